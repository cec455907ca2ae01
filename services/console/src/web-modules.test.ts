// The page's ES modules as the browser loads them: every file the page or a module names is served
// (with the JavaScript type browsers require of a module), every module parses, and the import
// graph has no cycle (a cycle makes module evaluation order matter: a view could run before what
// it imports is initialised).
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { pageFiles } from './console-server.ts';

const webDir = join(import.meta.dirname, '..', 'web');
const pages = pageFiles(webDir);
const modules = Object.keys(pages).filter((path) => path.endsWith('.js'));
const text = (path: string) => pages[path]!.body.toString('utf8');

/** The static imports of a module, as served paths. */
function importsOf(path: string): string[] {
  const specifiers = [
    ...text(path).matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms),
    ...text(path).matchAll(/^\s*import\s+'([^']+)'/gm),
  ].map((m) => m[1]!);
  return specifiers.map((s) => new URL(s, `http://console${path}`).pathname);
}

describe("the page's modules", () => {
  it('serves index.html at / and every module and style sheet with its type', () => {
    expect(pages['/']?.type).toContain('text/html');
    expect(modules).toEqual(
      expect.arrayContaining([
        '/app.js',
        '/i18n.js',
        '/alert-inbox.js',
        '/lib/dom.js',
        '/views/feed.js',
        '/views/outcomes.js',
        '/views/crm.js',
      ]),
    );
    for (const path of modules) expect(pages[path]!.type, path).toBe('text/javascript; charset=utf-8');
    expect(pages['/measures.css']?.type).toBe('text/css; charset=utf-8');
    expect(Object.keys(pages).some((p) => p.endsWith('.ts') || p.includes('..'))).toBe(false);
  });

  it('names only files that are served, from the page and from every module', () => {
    const html = text('/');
    const referenced = [...html.matchAll(/(?:src|href)="(\/[^"#]*)"/g)].map((m) => m[1]!).filter((p) => p !== '/');
    expect(referenced).toEqual(expect.arrayContaining(['/app.js', '/alert-inbox.js', '/app.css', '/measures.css']));
    for (const path of referenced) expect(pages[path], path).toBeDefined();
    for (const path of modules) for (const target of importsOf(path)) expect(pages[target], `${path} imports ${target}`).toBeDefined();
    expect(importsOf('/app.js')).toEqual(expect.arrayContaining(['/views/feed.js', '/views/outcomes.js', '/views/crm.js', '/lib/api.js']));
    expect(importsOf('/views/customer.js')).toContain('/i18n.js'); // an import over several lines
  });

  it('has an import graph without cycles', () => {
    const done = new Set<string>();
    const visit = (path: string, trail: string[]): void => {
      if (trail.includes(path)) throw new Error(`import cycle: ${[...trail, path].join(' → ')}`);
      if (done.has(path)) return;
      for (const target of importsOf(path)) visit(target, [...trail, path]);
      done.add(path);
    };
    for (const path of modules) visit(path, []);
    expect(done.size).toBe(modules.length);
  });

  it('has modules that parse as ES modules', () => {
    for (const path of modules) {
      const r = ts.transpileModule(text(path), {
        fileName: path,
        reportDiagnostics: true,
        compilerOptions: { allowJs: true, module: ts.ModuleKind.ESNext },
      });
      expect(
        (r.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
        path,
      ).toEqual([]);
    }
    const broken = ts.transpileModule('export function ( {', {
      fileName: 'broken.js',
      reportDiagnostics: true,
      compilerOptions: { allowJs: true },
    });
    expect(broken.diagnostics?.length).toBeGreaterThan(0); // the check can fail
  });
});
