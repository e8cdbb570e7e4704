// Stripe's form encoding: `a[b][0][c]=x`, `expand[]=y`. Objects whose keys are all integers become arrays,
// because the SDK encodes arrays as `items[0][price]`.

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

export function parseForm(input: string | URLSearchParams): FormObject {
  const params = typeof input === 'string' ? new URLSearchParams(input) : input;
  const root: FormObject = {};
  for (const [rawKey, value] of params) {
    const segments = splitKey(rawKey);
    if (segments.length === 0) continue;
    let node: Record<string, FormValue> = root;
    for (let i = 0; i < segments.length; i++) {
      let segment = segments[i]!;
      const isLast = i === segments.length - 1;
      if (segment === '') segment = String(Object.keys(node).length); // `[]` appends
      if (isLast) {
        node[segment] = value;
      } else {
        const next = node[segment];
        if (next === undefined || typeof next === 'string' || Array.isArray(next)) node[segment] = {};
        node = node[segment] as Record<string, FormValue>;
      }
    }
  }
  return arrayify(root) as FormObject;
}

function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open === -1) return [key];
  const segments = [key.slice(0, open)];
  const re = /\[([^\]]*)\]/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(key.slice(open))) !== null) segments.push(match[1]!);
  return segments;
}

function arrayify(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const converted: Record<string, FormValue> = {};
  for (const key of keys) converted[key] = arrayify(value[key]!);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => converted[k]!);
  }
  return converted;
}
