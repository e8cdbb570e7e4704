import { useEffect, useRef, useState } from 'react';

// What the hand-drawn SVG charts share: a round axis maximum and the width they draw at.

/** A round number at or above `cents` (1, 2 or 5 × a power of ten), so an axis reads $0, $0.25, $0.50 or $0, $500, $1,000. */
export function niceCeiling(cents: number): number {
  if (cents <= 0) return 0;
  const magnitude = 10 ** Math.floor(Math.log10(cents));
  return [1, 2, 5, 10].find((m) => m * magnitude >= cents)! * magnitude;
}

/** The element's width in CSS pixels (at least `min`), kept current: the charts draw at 1:1 so their labels stay legible. */
export function useElementWidth<T extends HTMLElement>(fallback: number, min: number) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(Math.max(min, Math.round(entry.contentRect.width))));
    observer.observe(element);
    return () => observer.disconnect();
  }, [min]);
  return [ref, width] as const;
}
