// The dashboard's one stylesheet, served at /assets/dashboard.css. Kept in a module (not a
// file beside the code) so the built service needs no asset copying. Colours keep at least
// 4.5:1 contrast; the layout is a single column that works from 320px wide up.

export const STYLESHEET = `
:root { color-scheme: light; --fg: #1b1b1f; --muted: #4a4a55; --bg: #ffffff; --panel: #f4f4f7; --line: #c9c9d3;
  --accent: #3b1f8f; --accent-fg: #ffffff; --link: #2a3fa8; --ok: #17633a; --warn: #7a4a00; --bad: #a1162b; --focus: #ffbf47; }
*, *::before, *::after { box-sizing: border-box; }
html { font-size: 100%; -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); text-underline-offset: 0.15em; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; box-shadow: 0 0 0 5px var(--fg); }
.skip-link { position: absolute; left: 0.5rem; top: -3rem; padding: 0.5rem 0.75rem; background: var(--fg); color: #fff; z-index: 10; }
.skip-link:focus { top: 0.5rem; }
.heroku-header { background: #3f3f44; padding: 0.35rem 1rem; font-size: 0.9rem; }
.heroku-header a { color: #fff; }
.site-header { background: var(--accent); color: var(--accent-fg); padding: 0.75rem 1rem; }
.site-header a { color: var(--accent-fg); }
.header-row { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; justify-content: space-between; max-width: 60rem; margin: 0 auto; }
.brand { margin: 0; font-weight: 700; font-size: 1.1rem; }
.who { margin: 0; display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; font-size: 0.95rem; overflow-wrap: anywhere; }
.who form { margin: 0; }
.site-nav { background: var(--panel); border-bottom: 1px solid var(--line); }
.site-nav ul { list-style: none; margin: 0 auto; padding: 0 0.5rem; max-width: 60rem; display: flex; flex-wrap: wrap; }
.site-nav a { display: block; padding: 0.75rem 0.75rem; color: var(--fg); text-decoration: none; border-bottom: 3px solid transparent; }
.site-nav a[aria-current="page"] { border-bottom-color: var(--accent); font-weight: 700; }
.site-nav a:hover { text-decoration: underline; }
main { display: block; max-width: 60rem; margin: 0 auto; padding: 1rem; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.75rem; }
p, ul, ol, dl { margin: 0 0 1rem; }
code, pre, kbd { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
code { overflow-wrap: anywhere; word-break: break-word; }
pre { background: var(--panel); border: 1px solid var(--line); padding: 0.75rem; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 1rem; }
.facts { display: grid; grid-template-columns: minmax(7rem, max-content) 1fr; gap: 0.25rem 1rem; }
.facts dt { font-weight: 700; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: 0 0 1rem; }
.panel > :first-child { margin-top: 0; }
.panel > :last-child { margin-bottom: 0; }
.notice { border-left: 6px solid var(--link); }
.notice-ok { border-left: 6px solid var(--ok); }
.notice-warn { border-left: 6px solid var(--warn); }
.notice-bad { border-left: 6px solid var(--bad); }
.status-ok { color: var(--ok); font-weight: 700; }
.status-warn { color: var(--warn); font-weight: 700; }
.status-bad { color: var(--bad); font-weight: 700; }
.table-wrap { overflow-x: auto; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 700; padding: 0 0 0.5rem; }
th, td { text-align: left; vertical-align: top; padding: 0.5rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
th { background: var(--panel); }
.usage { list-style: none; padding: 0; }
.usage li { margin: 0 0 1rem; }
.usage label { display: block; font-weight: 700; }
meter { display: block; width: 100%; height: 1.25rem; margin: 0.25rem 0; }
.muted { color: var(--muted); }
.plans { list-style: none; padding: 0; display: grid; gap: 1rem; }
.plans li { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 1rem; }
.plans h3 { margin: 0 0 0.5rem; font-size: 1.1rem; }
button, .button { font: inherit; font-weight: 700; padding: 0.6rem 1rem; border-radius: 6px; border: 2px solid var(--accent); background: var(--accent); color: var(--accent-fg); cursor: pointer; min-height: 2.75rem; }
button.secondary { background: var(--bg); color: var(--accent); }
.site-header button { background: transparent; color: var(--accent-fg); border-color: var(--accent-fg); padding: 0.3rem 0.75rem; min-height: 2.25rem; }
.danger { background: var(--bad); border-color: var(--bad); }
form.stack { display: grid; gap: 0.75rem; justify-items: start; }
.check { display: flex; gap: 0.5rem; align-items: flex-start; }
.check input { width: 1.25rem; height: 1.25rem; margin-top: 0.15rem; flex: none; }
.log-search { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: 0.75rem 1rem; align-items: end; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: 0 0 1rem; }
.log-search .wide { grid-column: 1 / -1; }
.field label { display: block; font-weight: 700; margin-bottom: 0.25rem; }
.field input, .field select { width: 100%; font: inherit; padding: 0.5rem; min-height: 2.75rem; border: 1px solid var(--muted); border-radius: 4px; background: var(--bg); color: var(--fg); }
.actions { display: flex; gap: 1rem; align-items: center; }
.log-lines { list-style: none; padding: 0; margin: 0 0 1rem; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88rem; border: 1px solid var(--line); border-radius: 6px; }
.log-lines:empty { display: none; }
.log-lines li { padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; white-space: pre-wrap; }
.log-lines li:last-child { border-bottom: 0; }
.log-lines time { color: var(--muted); }
.log-proc { color: var(--accent); font-weight: 700; }
.pager { display: flex; gap: 1.5rem; margin: 0 0 1rem; }
.charts { display: grid; gap: 1rem; }
.chart-figure { margin: 0; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem; overflow: hidden; }
.chart-figure figcaption { font-weight: 700; margin: 0 0 0.5rem; }
.chart { min-height: 1rem; max-width: 100%; overflow: hidden; }
.metrics-table { margin: 1rem 0; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 0.5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.process-type { border-top: 2px solid var(--line); margin-top: 2rem; }
.settings-form { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: 0 0 1rem; display: grid; gap: 1rem; justify-items: start; }
.settings-form > * { margin: 0; }
.settings-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 1rem; width: 100%; }
.settings-grid .field { display: flex; flex-direction: column; }
.settings-grid .field input, .settings-grid .field select { margin-top: auto; }
table.decisions th { overflow-wrap: normal; }
.hint { margin: 0 0 0.25rem; color: var(--muted); font-size: 0.9rem; }
.choice { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 1rem 0.75rem; margin: 0; display: grid; gap: 0.5rem; }
.choice legend { font-weight: 700; padding: 0 0.25rem; }
.field-error { margin: 0 0 0.25rem; color: var(--bad); font-weight: 700; }
.field-invalid input, .field-invalid select, fieldset.field-invalid { border: 2px solid var(--bad); }
.error-summary ul { margin: 0; }
.error-summary:focus { outline: 3px solid var(--focus); }
.metrics-table summary { cursor: pointer; font-weight: 700; padding: 0.5rem 0; }
.metrics-table td, .metrics-table th { white-space: nowrap; }
footer { max-width: 60rem; margin: 2rem auto 0; padding: 1rem; color: var(--muted); font-size: 0.9rem; border-top: 1px solid var(--line); }
@media (max-width: 30rem) { .facts { grid-template-columns: 1fr; } .facts dd { margin-bottom: 0.5rem; } h1 { font-size: 1.4rem; } }
`
