import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const INITIAL_JS_BUDGET_BYTES = 200 * 1024;
const API_URL = process.env.FLOWTAB_API_URL ?? 'http://127.0.0.1:3000';

/**
 * Prints the gzipped size of the JS a first visit downloads (the entry chunk and everything it imports
 * statically; lazy pages are not counted) and fails the build when it is over budget.
 */
function initialJsBudget(budgetBytes: number): Plugin {
  return {
    name: 'flowtab-initial-js-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = new Map<string, { code: string; imports: string[]; isEntry: boolean }>();
      for (const [fileName, output] of Object.entries(bundle)) {
        if (output.type === 'chunk') chunks.set(fileName, output);
      }
      const initial = new Set<string>();
      const visit = (fileName: string) => {
        if (initial.has(fileName)) return;
        const chunk = chunks.get(fileName);
        if (!chunk) return;
        initial.add(fileName);
        chunk.imports.forEach(visit);
      };
      for (const [fileName, chunk] of chunks) if (chunk.isEntry) visit(fileName);

      const gzipped = [...initial].reduce((sum, fileName) => sum + gzipSync(chunks.get(fileName)!.code).length, 0);
      const lazy = chunks.size - initial.size;
      const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
      const line = `initial JS: ${kb(gzipped)} gzipped in ${initial.size} file(s), budget ${kb(budgetBytes)}; ${lazy} lazy chunk(s) not counted`;
      if (gzipped > budgetBytes) this.error(`${line}: over budget`);
      console.log(line);
    },
  };
}

const SSR_ENTRY = fileURLToPath(new URL('./src/web/entry-server.tsx', import.meta.url));

/**
 * Two builds: the browser's (dist/web, served as files) and, with `--ssr`, the server renderer of the public pages
 * (dist/web/.ssr/entry-server.js, loaded by src/server/http/web.ts; a dot folder, which the server never serves).
 */
export default defineConfig(({ isSsrBuild }) => ({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  plugins: isSsrBuild ? [react()] : [react(), initialJsBudget(INITIAL_JS_BUDGET_BYTES)],
  build: isSsrBuild
    ? {
        outDir: fileURLToPath(new URL('./dist/web/.ssr', import.meta.url)),
        emptyOutDir: true,
        sourcemap: false,
        rollupOptions: { input: SSR_ENTRY },
        copyPublicDir: false,
      }
    : {
        outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
        emptyOutDir: true,
        // The same build is served in production, where source maps would publish the sources (SPEC §11).
        sourcemap: false,
      },
  // `npm run dev:web` against a running API (`npm start`, or FLOWTAB_API_URL for another port).
  server: {
    proxy: Object.fromEntries(['/v1', '/docs', '/openapi.json', '/dev'].map((prefix) => [prefix, API_URL])),
  },
}));
