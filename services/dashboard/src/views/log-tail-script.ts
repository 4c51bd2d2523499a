// The logs page's live tail, served at /assets/log-tail.js (kept in a module, like the
// stylesheet, so the built service needs no asset copying). Plain ES5 in the browser: opens
// an EventSource on the page's tail URL and appends each `line` event to the aria-live list,
// at most 500 lines. textContent only: log lines are customer data, never markup.
export const LOG_TAIL_SCRIPT_JS = `(function () {
  'use strict';
  var list = document.getElementById('tail-lines');
  var button = document.getElementById('tail-toggle');
  var status = document.getElementById('tail-status');
  if (!list || !button || !status || !window.EventSource) return;
  var note = document.querySelector('[data-tail-nojs]');
  if (note) note.hidden = true;
  button.hidden = false;
  var MAX_LINES = 500;
  var source = null;

  function setState (state, text) {
    list.setAttribute('data-tail-state', state);
    status.textContent = text;
  }

  function append (l) {
    var li = document.createElement('li');
    var time = document.createElement('time');
    time.dateTime = l.ts;
    time.textContent = String(l.ts).replace('T', ' ').replace('Z', '');
    var proc = document.createElement('span');
    proc.className = 'log-proc';
    proc.textContent = l.source + '[' + l.proc + ']';
    var msg = document.createElement('span');
    msg.className = 'log-msg';
    msg.textContent = l.message;
    li.appendChild(time);
    li.appendChild(document.createTextNode(' '));
    li.appendChild(proc);
    li.appendChild(document.createTextNode(': '));
    li.appendChild(msg);
    list.appendChild(li);
    while (list.children.length > MAX_LINES) list.removeChild(list.firstChild);
  }

  function start () {
    source = new EventSource(list.getAttribute('data-tail-url'));
    setState('connecting', 'Connecting…');
    source.onopen = function () { setState('open', 'Live tail is on: new lines appear below as they arrive.'); };
    source.onerror = function () {
      if (source && source.readyState === EventSource.CLOSED) { stop(); setState('closed', 'Live tail stopped. If your session ended, open the add-on from Heroku again.'); }
      else setState('connecting', 'Connection lost; reconnecting…');
    };
    source.addEventListener('line', function (e) {
      try { append(JSON.parse(e.data)); } catch (err) { /* a malformed event is skipped */ }
    });
    button.textContent = 'Stop live tail';
    button.setAttribute('aria-pressed', 'true');
  }

  function stop () {
    if (source) source.close();
    source = null;
    button.textContent = 'Start live tail';
    button.setAttribute('aria-pressed', 'false');
    setState('off', 'Live tail is off.');
  }

  button.addEventListener('click', function () { if (source) stop(); else start(); });
})();
`
