// build_docs.mjs OPENAPI.json OUT.html: the docs page, one self-contained HTML file.
// Redoc 2 (pinned in package.json) renders the document in the browser; its
// standalone bundle and the document are inlined, so the page loads nothing
// from anywhere else (no CDN, no web font): it works offline and behind any
// firewall.  Redoc 2 rather than the Redoc 3 of `redocly build-docs`: Redoc 2
// renders every operation into the page (ids "operation/<operationId>"), which
// the Chromium check reads; Redoc 3 renders them only when navigated to.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
	console.error('usage: node build_docs.mjs OPENAPI.json OUT.html');
	process.exit(2);
}
const require = createRequire(import.meta.url);
const bundle = readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'), 'utf8');
const spec = JSON.parse(readFileSync(input, 'utf8'));
// Inside <script>, "</script" or "<!--" in the data would end or confuse the element.
const inline = (text) => text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
const options = {
	expandResponses: '200,201',
	jsonSampleExpandLevel: 3,
	hideHostname: true,
	pathInMiddlePanel: true,
};
const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(spec.info.title)} ${escapeHtml(spec.info.version)}</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<div id="redoc"></div>
<script>${inline(bundle)}</script>
<script>
Redoc.init(${inline(JSON.stringify(spec))}, ${JSON.stringify(options)}, document.getElementById('redoc'));
</script>
</body>
</html>
`;
writeFileSync(output, html);
