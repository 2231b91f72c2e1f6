/* report.js - the script of reports/index.html (report_html.c): filters and opens the cases and
 * the requirements, and shows the one a link names; the page is complete without it. The build
 * embeds this file in kxconform as a C array (cmake/embed.cmake) without this opening comment, and
 * the page carries it inline: the page fetches nothing. */
(function () {
  var cases = Array.prototype.slice.call(document.querySelectorAll('details.case'));
  var filter = document.getElementById('filter'), unmet = document.getElementById('unmet-only');
  var shown = document.getElementById('shown');
  var facets = Array.prototype.slice.call(document.querySelectorAll('#controls select')).map(function (s) {
    return {name: s.id.slice('facet-'.length), select: s};
  });
  document.getElementById('controls').hidden = false;
  function facetOk(d, f) {
    var want = f.select.value;
    if (!want) return true;
    if (f.name === 'driver') return d.getAttribute('data-drivers').indexOf(' ' + want + ' ') >= 0;
    return d.getAttribute('data-' + f.name) === want;
  }
  function apply() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean), n = 0;
    cases.forEach(function (d) {
      var text = d.querySelector('summary').textContent.toLowerCase();
      var keep = (!unmet.checked || d.classList.contains('unmet')) &&
        facets.every(function (f) { return facetOk(d, f); }) &&
        words.every(function (w) { return text.indexOf(w) >= 0; });
      d.hidden = !keep;
      if (keep) n++;
    });
    shown.textContent = n + ' of ' + cases.length + ' cases shown';
  }
  function openAll(open) {
    cases.forEach(function (d) { if (!d.hidden) d.open = open; });
  }
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var d = id ? document.getElementById(id) : null;
    if (d && d.classList.contains('case')) { d.hidden = false; d.open = true; d.scrollIntoView(); }
  }
  filter.addEventListener('input', apply);
  unmet.addEventListener('change', apply);
  facets.forEach(function (f) { f.select.addEventListener('change', apply); });
  document.getElementById('expand').addEventListener('click', function () { openAll(true); });
  document.getElementById('collapse').addEventListener('click', function () { openAll(false); });
  window.addEventListener('hashchange', reveal);
  apply();
  reveal();
})();
(function () {
  var select = document.getElementById('req-status');
  if (!select) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr.req'));
  var shown = document.getElementById('req-shown');
  document.getElementById('req-controls').hidden = false;
  function apply() {
    var n = 0;
    rows.forEach(function (r) {
      r.hidden = !!select.value && r.getAttribute('data-status') !== select.value;
      if (!r.hidden) n++;
    });
    shown.textContent = n + ' of ' + rows.length + ' requirements shown';
  }
  function reveal() {
    var r = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (r && r.classList.contains('req') && r.hidden) { select.value = ''; apply(); r.scrollIntoView(); }
  }
  select.addEventListener('change', apply);
  window.addEventListener('hashchange', reveal);
  apply();
  reveal();
})();
