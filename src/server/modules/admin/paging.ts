/** The console's list pages: one page of items, the total, and whether another page follows. */
export type Paged<T> = { items: T[]; total: number; page: number; page_size: number; has_more: boolean };

export function pageOf<T>(items: T[], total: number, query: { page: number; page_size: number }): Paged<T> {
  return { items, total, page: query.page, page_size: query.page_size, has_more: (query.page - 1) * query.page_size + items.length < total };
}
