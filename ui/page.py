"""What the UI adds to the page in the browser: its stylesheet, the citation click and hover-card
handlers, scrolling the viewer to the cited span, and clearing the run history Gradio kept
in the browser before it was turned off. Strings only; `ui.app` and `ui.chat_tab` install them.

The stylesheet is injected by INSTALL_JS (not passed to `launch`) so that `create_app()` alone
gives the full UI, whoever launches it.
"""

# One font for everything (chat, answers, sources, titles). Gradio's theme asks for Source Sans Pro
# at 400 and 600, but its bundled 600 file is a fragment of a few glyphs, so bold text came out in a
# fallback font with the odd capital in Source Sans. Here the complete Regular and Bold files that
# Gradio ships (served under static/fonts/) make one family, bold for every weight above 500.
CSS = """
@font-face { font-family: 'RAG Sans'; font-style: normal; font-weight: 100 500; font-display: swap;
  src: url('static/fonts/SourceSansPro/SourceSansPro-Regular.woff2') format('woff2'); }
@font-face { font-family: 'RAG Sans'; font-style: normal; font-weight: 501 900; font-display: swap;
  src: url('static/fonts/SourceSansPro/SourceSansPro-Bold.woff2') format('woff2'); }
:root, .dark, .gradio-container { --font: 'RAG Sans', 'Source Sans Pro', ui-sans-serif, system-ui, sans-serif; }
.rag-question { white-space: pre-wrap; overflow-wrap: anywhere; }
a.rag-cite { font-weight: 600; text-decoration: none; border-radius: 3px; padding: 0 1px; }
a.rag-cite:hover, a.rag-cite:focus-visible { background: var(--color-accent-soft); outline: none; }
.rag-sources ul { margin: .25em 0 0 1.1em; padding: 0; }
.rag-sources q { opacity: .9; }
#rag-card { position: fixed; z-index: 1000; max-width: min(420px, calc(100vw - 16px)); padding: 10px 12px;
  border-radius: 8px; background: var(--background-fill-primary, #fff); color: var(--body-text-color, #111);
  border: 1px solid var(--border-color-primary, #ccc); box-shadow: 0 6px 24px rgba(0,0,0,.25);
  font-family: var(--font); font-size: 14px; line-height: 1.45; pointer-events: none; }
#rag-card[hidden] { display: none; }
#rag-card .rag-card-title { font-weight: 600; }
#rag-card .rag-card-where { font-size: 12px; opacity: .75; margin-bottom: 6px; }
#rag-card .rag-card-quote { margin: 0; padding-left: 8px; border-left: 3px solid var(--color-accent, #f97316); }
#rag-card .rag-card-hint { font-size: 12px; opacity: .65; margin-top: 6px; }
.rag-viewer-head { margin-bottom: .5em; display: flex; flex-wrap: wrap; gap: .25em .75em; align-items: baseline; }
.rag-viewer-where { opacity: .75; font-size: .9em; }
.rag-doc { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 60vh; overflow: auto; font-family: inherit;
  font-size: .9em; line-height: 1.45; padding: .75em; margin: 0; border: 1px solid var(--border-color-primary);
  border-radius: 6px; }
mark.rag-hit { background: #ffe066; color: #1a1a1a; padding: 0 1px; border-radius: 2px; }
.dark mark.rag-hit { background: #8a6a00; color: #fff8e1; }
.rag-page { position: relative; line-height: 0; border: 1px solid var(--border-color-primary); margin-bottom: .5em;
  max-height: 70vh; overflow: auto; }
.rag-page img { width: 100%; height: auto; display: block; }
.rag-box { position: absolute; background: rgba(255, 204, 0, .35); outline: 2px solid rgba(230, 150, 0, .9);
  border-radius: 2px; pointer-events: none; }
.rag-note { font-size: .9em; opacity: .8; }
.rag-text-view summary { cursor: pointer; margin: .25em 0; }
#rag-chat .top-panel { display: none; }  /* its Clear would leave the saved chat behind: New chat does it */
#rag-doc-status { min-height: 4em; }  /* room for the upload's progress bar, which shows over it */
#rag-chat-list .wrap { flex-direction: column; gap: 4px; }
#rag-chat-list label { width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
@media (max-width: 720px) {
  /* on a phone the source opens as a sheet over the chat instead of far below it */
  #rag-viewer-col { position: fixed !important; inset: 0; z-index: 900; overflow: auto; padding: 12px;
    background: var(--background-fill-primary); }
  #rag-chats-col { order: 2; }
}
"""

# Installed once per page load. Citation links (markers and source entries) open the viewer by
# handing their token to a hidden button; a marker shows a card built from its source entry.
INSTALL_JS = """() => {
  if (window.__ragInstalled) return;
  window.__ragInstalled = true;
  // Run history that Gradio recorded before it was turned off (`ui.app.serve`): one key per server
  // start, which Gradio's own clean-up (it knows only the current start's key) leaves behind. They
  // filled the site's storage until saving a chat failed; nothing of ours is under this prefix.
  for (const s of [window.localStorage, window.sessionStorage]) {
    try { Object.keys(s).filter(k => k.startsWith('gradio:run-history:')).forEach(k => s.removeItem(k)); }
    catch (e) { /* storage turned off: nothing to clear */ }
  }
  const style = document.createElement('style');
  style.id = 'rag-style';
  style.textContent = __CSS__;
  document.head.appendChild(style);

  const card = document.createElement('div');
  card.id = 'rag-card';
  card.setAttribute('role', 'tooltip');
  card.hidden = true;
  document.body.appendChild(card);

  const sourceOf = (a) => {  // the answer's source-list entry for marker a
    const answer = a.closest('.rag-answer');
    const n = (a.textContent.match(/\\d+/) || [''])[0];
    let box = answer && answer.parentElement;
    for (let i = 0; box && i < 4; i++, box = box.parentElement) {
      const li = box.querySelector('li.rag-src-n' + n);
      if (li) return li;
    }
    return null;
  };
  const line = (cls, text, tag) => {
    const el = document.createElement(tag || 'div');
    el.className = cls;
    el.textContent = text;
    return el;
  };
  const show = (a) => {
    const li = sourceOf(a);
    if (!li) return;
    const get = (sel) => { const el = li.querySelector(sel); return el ? el.textContent.trim() : ''; };
    const file = get('.rag-src-file'), title = get('.rag-src-title'), where = get('.rag-src-where');
    card.replaceChildren(line('rag-card-title', title),
      line('rag-card-where', [file !== title ? file : '', where].filter(Boolean).join(' \\u00b7 ')),
      line('rag-card-quote', get('q'), 'blockquote'),
      line('rag-card-hint', 'Click to see it in the document'));
    card.hidden = false;
    const r = a.getBoundingClientRect(), c = card.getBoundingClientRect();
    const left = Math.max(8, Math.min(r.left, window.innerWidth - c.width - 8));
    const below = r.bottom + 6 + c.height < window.innerHeight;
    card.style.left = left + 'px';
    card.style.top = (below ? r.bottom + 6 : Math.max(8, r.top - c.height - 6)) + 'px';
  };
  const hide = () => { card.hidden = true; };
  const marker = (ev) => ev.target.closest ? ev.target.closest('.rag-answer a.rag-cite') : null;
  document.addEventListener('mouseover', (ev) => { const a = marker(ev); if (a) show(a); });
  document.addEventListener('mouseout', (ev) => { if (marker(ev)) hide(); });
  document.addEventListener('focusin', (ev) => { const a = marker(ev); a ? show(a) : hide(); });
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') hide(); });
  window.addEventListener('scroll', hide, true);

  document.addEventListener('click', (ev) => {
    const a = ev.target.closest ? ev.target.closest('a[href^="#rag-cite="]') : null;
    if (!a) return;
    ev.preventDefault(); ev.stopPropagation();
    hide();
    window.__ragCite = a.getAttribute('href');
    const b = document.getElementById('rag-cite-btn');
    (b && b.tagName === 'BUTTON' ? b : b.querySelector('button')).click();
  }, true);
}"""

# The viewer may render a moment after the event: retry briefly. A PDF page scrolls to its first
# highlighted box, the text view to the mark.
SCROLL_JS = """() => {
  let tries = 0;
  const go = () => {
    const m = document.querySelector('#rag-viewer .rag-box') || document.getElementById('rag-hit');
    if (m && m.getClientRects().length) m.scrollIntoView({block: 'center', behavior: 'instant'});
    else if (tries++ < 40) setTimeout(go, 50);
  };
  setTimeout(go, 30);
}"""


def install_js() -> str:
    """INSTALL_JS with the stylesheet in it."""
    import json

    return INSTALL_JS.replace("__CSS__", json.dumps(CSS))
