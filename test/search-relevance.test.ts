import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlow, createMember, type Member } from './factories.js';
import { createTestApp, type TestApp } from './support/app.js';

// A small library whose best answers are written down: search must keep finding them first (SPEC §17 reshaped the
// queries for speed; this is what keeps them relevant). Free flows, so every word is searchable by anyone.
let t: TestApp;
let author: Member;
const ids: Record<string, string> = {};
const filler = 'Open the page, read it through and note what matters before you act.';

beforeAll(async () => {
  t = await createTestApp();
  author = await createMember(t);
  const corpus: [key: string, title: string, body: string, tags: string[]][] = [
    ['quokkaProfile', 'Quokka profile researcher', filler, ['research']],
    ['quokkaInBody', 'Travel day planner', `${filler} Mention the quokka island.`, ['travel']],
    ['quokkaPhotos', 'Quokka photo sorter', filler, ['photos']],
    ['claimErrorLinkedin', 'Claim error fixer', filler, ['linkedin']],
    ['claimLinkedin', 'Insurance claim helper', `${filler} Explain each error politely.`, ['linkedin']],
    ['claimErrorSupport', 'Claim error reporter', filler, ['support']],
    ['zephyrTitle', 'Zephyr forecast digest', filler, ['news']],
    ['zephyrBody', 'Weather digest', `${filler} Look for a zephyr. A zephyr is a light wind.`, ['news']],
    ['unrelated', 'Invoice collector', filler, ['finance']],
  ];
  for (const [key, title, body, tags] of corpus) {
    ids[key] = (await createFlow(t, author, { title, body, tags, is_premium: false, summary: 'A flow for the relevance test.' })).id;
  }
});
afterAll(() => t.close());

async function search(query: string): Promise<{ ids: string[]; body: { total: number; total_is_exact: boolean; has_more: boolean } }> {
  const response = await t.request({ method: 'GET', url: `/v1/flows?${query}` });
  expect(response.status).toBe(200);
  return { ids: response.body.items.map((item: { id: string }) => item.id), body: response.body };
}
const named = (...keys: string[]) => keys.map((key) => ids[key]);

describe('search relevance', () => {
  it('a word: title matches first, then the body match; nothing else', async () => {
    const { ids: found } = await search('q=quokka');
    expect(new Set(found.slice(0, 2))).toEqual(new Set(named('quokkaProfile', 'quokkaPhotos')));
    expect(found.slice(2)).toEqual(named('quokkaInBody'));
  });

  it('a prefix of the last word finds the same flows in the same order', async () => {
    expect((await search('q=quok')).ids).toEqual((await search('q=quokka')).ids);
  });

  it('only the last word is a prefix: earlier words match whole', async () => {
    expect((await search('q=photo%20quok')).ids).toEqual(named('quokkaPhotos'));
    expect((await search('q=quok%20photo')).ids).toEqual([]);
  });

  it('two words: flows with both in the title first, the one with a word only in its text last', async () => {
    const { ids: found } = await search('q=claim%20err');
    expect(new Set(found.slice(0, 2))).toEqual(new Set(named('claimErrorLinkedin', 'claimErrorSupport')));
    expect(found.slice(2)).toEqual(named('claimLinkedin'));
  });

  it('a tag filter keeps only the tagged matches, in the same order', async () => {
    expect((await search('q=claim%20error&tags=linkedin')).ids).toEqual(named('claimErrorLinkedin', 'claimLinkedin'));
  });

  it('the title beats the text, even when the text says the word twice', async () => {
    expect((await search('q=zephyr')).ids).toEqual(named('zephyrTitle', 'zephyrBody'));
  });

  it('pages through the matches with has_more; the total is exact once the last page is reached', async () => {
    const first = await search('q=claim%20error&page_size=2');
    expect(first.ids).toHaveLength(2);
    expect(first.body.has_more).toBe(true);
    expect(first.body.total).toBeGreaterThanOrEqual(3);
    const last = await search('q=claim%20error&page_size=2&page=2');
    expect(last.ids).toHaveLength(1);
    expect(last.body).toMatchObject({ has_more: false, total: 3, total_is_exact: true });
    expect([...first.ids, ...last.ids].sort()).toEqual(named('claimErrorLinkedin', 'claimErrorSupport', 'claimLinkedin').sort());
  });

  it('list items carry no body, steps or notes', async () => {
    const response = await t.request({ method: 'GET', url: '/v1/flows?q=quokka' });
    for (const item of response.body.items) expect(Object.keys(item)).not.toEqual(expect.arrayContaining(['body']));
    expect(response.body.items[0]).not.toHaveProperty('steps');
    expect(response.body.items[0]).not.toHaveProperty('notes');
  });

  it('refuses pages past the result window with 400', async () => {
    const response = await t.request({ method: 'GET', url: '/v1/flows?page=11&page_size=100' });
    expect(response.status).toBe(400);
  });
});
