// policybook search: the index is built at build time into search/*.js (see src/site/search/mod.rs) and
// loaded here on demand with <script> elements, which work from file:// where fetch does not.
// Each index file calls one of the registration functions of window.PolicybookSearch.
(function () {
  "use strict";
  var body = document.body;
  var root = body.dataset.root || "";
  var PAGE = 10; // results rendered at a time
  var MAX_PREFIX_SHARDS = 4; // term shards one query word may load for its completions
  var DEBOUNCE_MS = 60;

  var manifest = null;
  var termShards = {}; // shard number -> [term, postings, term, postings, ...]
  var docShards = {}; // shard number -> [record, ...]
  var loading = {}; // file -> Promise
  var decoded = {}; // term -> {docs: Int32Array, flags: Uint8Array}
  var digit = null; // char code -> digit value (continuation digits are >= base)

  var api = window.PolicybookSearch = {
    manifest: function (m) { manifest = m; },
    terms: function (n, text) { termShards[n] = text; },
    docs: function (n, list) { docShards[n] = list; },
    query: query,
    stats: { queries: 0 }
  };

  // Load search/<name>.js once; resolves when it has run.
  function load(name) {
    if (loading[name]) return loading[name];
    loading[name] = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = root + "search/" + name + ".js";
      script.async = true;
      script.onload = function () { resolve(); };
      script.onerror = function () {
        delete loading[name];
        reject(new Error("could not load the search index (" + script.src + ")"));
      };
      document.head.appendChild(script);
    });
    return loading[name];
  }

  function loadManifest() {
    return load("manifest").then(function () {
      if (!digit) {
        digit = {};
        for (var i = 0; i < manifest.alphabet.length; i++) digit[manifest.alphabet.charCodeAt(i)] = i;
      }
    });
  }

  // ---- Words: the same rule as `tokens` in src/site/search/mod.rs. ----
  var ALNUM = /[\p{Alphabetic}\p{N}]/u;
  var MAX_TERM_CHARS = 40;

  function joins(run) {
    var rest = /^[A-Za-z]/.test(run) ? run.slice(1) : run;
    return /^[0-9.]*$/.test(rest);
  }

  // [{start, end, word}] with `start`/`end` as string (UTF-16) offsets and `word` lowercased.
  function words(text, keepLong) {
    var out = [];
    var chars = Array.from(text);
    var offsets = [];
    var at = 0;
    for (var k = 0; k < chars.length; k++) { offsets.push(at); at += chars[k].length; }
    offsets.push(at);
    var i = 0;
    while (i < chars.length) {
      if (!ALNUM.test(chars[i])) { i++; continue; }
      var start = i;
      i++;
      while (i < chars.length) {
        if (ALNUM.test(chars[i])) { i++; continue; }
        if (chars[i] === "." && /[0-9]/.test(chars[i + 1] || "") &&
            joins(text.slice(offsets[start], offsets[i]))) { i++; continue; }
        break;
      }
      var count = i - start;
      var word = text.slice(offsets[start], offsets[i]).toLowerCase();
      if (count <= MAX_TERM_CHARS) {
        out.push({ start: offsets[start], end: offsets[i], word: word });
      } else if (keepLong) {
        out.push({ start: offsets[start], end: offsets[i], word: Array.from(word).slice(0, MAX_TERM_CHARS).join("") });
      }
    }
    return out;
  }

  // Query words, each with the index terms it may be: itself, and for a bare control number
  // such as 5.15 also a.5.15. Words of one character match exactly; longer ones also as prefixes.
  function parseQuery(text) {
    var seen = {};
    return words(text, true).filter(function (w) {
      if (seen[w.word]) return false;
      seen[w.word] = true;
      return true;
    }).map(function (w) {
      var forms = [w.word];
      if (/^[0-9]+\.[0-9.]*$/.test(w.word)) forms.push("a." + w.word);
      return { word: w.word, forms: forms, prefix: Array.from(w.word).length > 1 };
    });
  }

  // ---- Term shards ----
  function shardFor(term) {
    var s = manifest.shards, lo = 0, hi = s.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (s[mid] <= term) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // Shard numbers holding `form` and, for a prefix, the terms it begins (at most MAX_PREFIX_SHARDS).
  function shardsFor(form, prefix) {
    var first = shardFor(form);
    var list = [first];
    if (prefix) {
      for (var j = first + 1; j < manifest.shards.length && list.length < MAX_PREFIX_SHARDS; j++) {
        if (manifest.shards[j].lastIndexOf(form, 0) !== 0) break;
        list.push(j);
      }
    }
    return list;
  }

  // First index (even) in a shard's flat list whose term is >= `term`.
  function lowerBound(list, term) {
    var lo = 0, hi = list.length / 2;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid * 2] < term) lo = mid + 1; else hi = mid;
    }
    return lo * 2;
  }

  // A term shard as a flat list [term, postings, ...]: the file has one string of space-separated
  // pairs with front-coded terms (a character for the length shared with the previous term, then
  // the rest).
  function termList(n) {
    var list = termShards[n];
    if (typeof list !== "string") return list;
    var parts = list.split(" ");
    var previous = "";
    for (var i = 0; i < parts.length; i += 2) {
      previous = previous.slice(0, digit[parts[i].charCodeAt(0)]) + parts[i].slice(1);
      parts[i] = previous;
    }
    termShards[n] = parts;
    return parts;
  }

  // Calls visit(term, postingsString) for `form` itself, and every term it begins when `prefix`.
  function eachTerm(shardNumbers, form, prefix, visit) {
    shardNumbers.forEach(function (n) {
      var list = termList(n);
      if (!list) return;
      for (var i = lowerBound(list, form); i < list.length; i += 2) {
        var term = list[i];
        if (term === form) visit(term, list[i + 1], true);
        else if (prefix && term.lastIndexOf(form, 0) === 0) visit(term, list[i + 1], false);
        else break;
      }
    });
  }

  function decode(term, text) {
    var cached = decoded[term];
    if (cached) return cached;
    var base = manifest.base, bits = manifest.flagBits, mask = (1 << bits) - 1, scale = 1 << bits;
    var docs = new Int32Array(text.length);
    var flags = new Uint8Array(text.length);
    var n = 0, value = 0, previous = -1;
    for (var i = 0; i < text.length; i++) {
      var d = digit[text.charCodeAt(i)];
      if (d >= base) {
        value = value * base + (d - base);
      } else {
        value = value * base + d;
        var f = value & mask; // value < 2^53: bit operations only on the low bits
        var doc = previous + 1 + Math.floor(value / scale);
        docs[n] = doc;
        flags[n] = f;
        n++;
        previous = doc;
        value = 0;
      }
    }
    cached = { docs: docs.subarray(0, n), flags: flags.subarray(0, n) };
    decoded[term] = cached;
    return cached;
  }

  // Field weights by flag bits: title 32, id 16, owner/controls/type 8, headings/description 4,
  // body count in the low two bits.
  var FIELD = new Float64Array(64);
  var STRONG = new Uint8Array(64);
  for (var f = 0; f < 64; f++) {
    FIELD[f] = (f & 32 ? 40 : 0) + (f & 16 ? 30 : 0) + (f & 8 ? 6 : 0) + (f & 4 ? 6 : 0) + [0, 1, 1.6, 2.2][f & 3];
    STRONG[f] = f & 48 ? 1 : 0;
  }

  // Rank documents for parsed query words; all index files needed must be loaded.
  // Every word must match. Retired documents come after the others; then documents with more
  // words in their title or id, then by the sum of field weight x inverse document frequency
  // (prefix matches count 0.6), then in navigation order.
  function rank(parsed) {
    var n = manifest.documents;
    var retired = new Uint8Array(n);
    (manifest.retired || []).forEach(function (d) { retired[d] = 1; });
    var total = new Float64Array(n);
    var strong = new Uint8Array(n);
    var alive = null;
    parsed.forEach(function (q) {
      var best = new Float64Array(n);
      var hit = new Uint8Array(n);
      q.forms.forEach(function (form) {
        eachTerm(q.shards[form], form, q.prefix, function (term, text, exact) {
          var p = decode(term, text);
          var idf = Math.log(1 + n / p.docs.length) * (exact ? 1 : 0.6);
          for (var k = 0; k < p.docs.length; k++) {
            var d = p.docs[k], fl = p.flags[k];
            var s = FIELD[fl] * idf;
            if (s > best[d]) best[d] = s;
            if (STRONG[fl]) hit[d] = 1;
          }
        });
      });
      if (alive === null) {
        alive = [];
        for (var d = 0; d < n; d++) if (best[d] > 0) alive.push(d);
      } else {
        alive = alive.filter(function (d) { return best[d] > 0; });
      }
      for (var i = 0; i < alive.length; i++) {
        total[alive[i]] += best[alive[i]];
        strong[alive[i]] += hit[alive[i]];
      }
    });
    alive = alive || [];
    alive.sort(function (a, b) {
      return (retired[a] - retired[b]) || (strong[b] - strong[a]) || (total[b] - total[a]) || (a - b);
    });
    return alive;
  }

  // Loads what `text` needs and ranks. Resolves to {words, docs (ranked numbers), loadMs, queryMs}.
  function query(text) {
    var t0 = performance.now();
    return loadManifest().then(function () {
      var parsed = parseQuery(text);
      var needed = {};
      parsed.forEach(function (q) {
        q.shards = {};
        q.forms.forEach(function (form) {
          q.shards[form] = shardsFor(form, q.prefix);
          q.shards[form].forEach(function (s) { needed[s] = true; });
        });
      });
      return Promise.all(Object.keys(needed).map(function (s) { return load("t" + s); })).then(function () {
        var t1 = performance.now();
        var docs = parsed.length ? rank(parsed) : [];
        var t2 = performance.now();
        api.stats.queries++;
        api.stats.loadMs = t1 - t0;
        api.stats.queryMs = t2 - t1;
        return { words: parsed, docs: docs, loadMs: t1 - t0, queryMs: t2 - t1 };
      });
    });
  }

  function records(numbers) {
    var per = manifest.docsPerShard;
    var shards = {};
    numbers.forEach(function (d) { shards[Math.floor(d / per)] = true; });
    return Promise.all(Object.keys(shards).map(function (s) { return load("d" + s); })).then(function () {
      return numbers.map(function (d) { return docShards[Math.floor(d / per)][d % per]; });
    });
  }

  // ---- Snippets ----
  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function matchesWord(word, parsed) {
    for (var i = 0; i < parsed.length; i++) {
      var q = parsed[i];
      for (var j = 0; j < q.forms.length; j++) {
        var form = q.forms[j];
        if (word === form || (q.prefix && word.lastIndexOf(form, 0) === 0)) return i;
      }
    }
    return -1;
  }

  // Text as HTML with the words matching the query in <mark>; also counts the query words found.
  function highlight(text, parsed) {
    var html = "", last = 0, found = {};
    words(text).forEach(function (w) {
      var i = matchesWord(w.word, parsed);
      if (i < 0) return;
      found[i] = true;
      html += escapeHtml(text.slice(last, w.start)) + "<mark>" + escapeHtml(text.slice(w.start, w.end)) + "</mark>";
      last = w.end;
    });
    html += escapeHtml(text.slice(last));
    return { html: html, count: Object.keys(found).length };
  }

  // The record's sentence (or description) with the most query words; its section, if any.
  function snippet(record, parsed) {
    var headings = record[5], sentences = record[6];
    var best = null;
    function consider(text, section) {
      var h = highlight(text, parsed);
      if (!best || h.count > best.count) best = { html: h.html, count: h.count, section: section };
    }
    if (record[4]) consider(record[4], 0);
    for (var i = 0; i < sentences.length; i += 2) consider(sentences[i + 1], sentences[i]);
    if (!best) return { html: "", anchor: "", heading: "" };
    var section = best.count > 0 ? best.section : 0;
    return {
      html: best.html,
      anchor: section ? headings[(section - 1) * 2] : "",
      heading: section ? headings[(section - 1) * 2 + 1] : ""
    };
  }

  // ---- The search box ----
  var box = document.getElementById("search");
  var input = document.getElementById("search-input");
  var panel = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var listbox = document.getElementById("search-listbox");
  var more = document.getElementById("search-more");
  if (!box || !input || !panel || !status || !listbox || !more) return;
  box.hidden = false;

  var current = { seq: 0, text: "", words: [], docs: [], shown: 0, active: -1 };
  var timer = null;
  var pendingEnter = 0; // query number whose first result opens as soon as it is shown

  function open(show) {
    panel.hidden = !show;
    input.setAttribute("aria-expanded", show ? "true" : "false");
  }

  function setActive(i) {
    var options = listbox.querySelectorAll("[role=option]");
    if (!options.length) { current.active = -1; input.removeAttribute("aria-activedescendant"); return; }
    if (i < 0) i = options.length - 1;
    if (i >= options.length) i = 0;
    for (var k = 0; k < options.length; k++) options[k].setAttribute("aria-selected", k === i ? "true" : "false");
    current.active = i;
    input.setAttribute("aria-activedescendant", options[i].id);
    if (options[i].scrollIntoView) options[i].scrollIntoView({ block: "nearest" });
  }

  function renderMore() {
    var seq = current.seq;
    var slice = current.docs.slice(current.shown, current.shown + PAGE);
    return records(slice).then(function (recs) {
      if (seq !== current.seq) return;
      var fragment = document.createDocumentFragment();
      recs.forEach(function (r, k) {
        var s = snippet(r, current.words);
        var a = document.createElement("a");
        a.id = "search-option-" + (current.shown + k);
        a.setAttribute("role", "option");
        a.setAttribute("aria-selected", "false");
        a.tabIndex = -1;
        a.className = "search-result";
        a.href = root + r[0] + ".html" + (s.anchor ? "#" + s.anchor : "");
        var meta = [r[2], r[0]].concat(r[3] ? ["owner: " + r[3]] : []).map(escapeHtml).join(" · ");
        if (r[7]) {
          // Not in force: say so, in the words the pages use.
          meta += ' <span class="status status-' + escapeHtml(r[7]) + '">' +
            escapeHtml(r[7] === "in-review" ? "in review" : r[7]) + "</span>";
          a.className += " search-result-" + r[7];
        }
        a.innerHTML = '<span class="search-result-title">' + highlight(r[1], current.words).html + "</span>" +
          '<span class="search-result-meta">' + meta + "</span>" +
          (s.html ? '<span class="search-result-snippet">' +
            (s.heading ? '<span class="search-result-section">' + escapeHtml(s.heading) + ":</span> " : "") +
            s.html + "</span>" : "");
        fragment.appendChild(a);
      });
      listbox.appendChild(fragment);
      current.shown += recs.length;
      listbox.hidden = current.shown === 0;
      var left = current.docs.length - current.shown;
      more.hidden = left <= 0;
      more.textContent = "Show " + Math.min(left, PAGE) + " more";
    });
  }

  function describe(count, text) {
    if (!count) return "No document matches \u201c" + text + "\u201d.";
    return count + (count === 1 ? " document matches" : " documents match") + " \u201c" + text + "\u201d.";
  }

  function run() {
    var text = input.value.trim();
    var seq = ++current.seq;
    if (!text) { open(false); listbox.textContent = ""; listbox.hidden = true; status.textContent = ""; return; }
    open(true);
    var parsed = parseQuery(text);
    if (parsed.length === 1 && !parsed[0].prefix && !/[0-9]/.test(parsed[0].word)) {
      listbox.textContent = "";
      listbox.hidden = true;
      more.hidden = true;
      status.textContent = "Type at least two letters.";
      return;
    }
    var started = performance.now();
    query(text).then(function (result) {
      if (seq !== current.seq) return;
      result.started = started;
      current.text = text;
      current.words = result.words;
      current.docs = result.docs;
      current.shown = 0;
      current.active = -1;
      input.removeAttribute("aria-activedescendant");
      return renderFirst(seq, text, result);
    }).catch(function (error) {
      if (seq !== current.seq) return;
      status.textContent = error.message;
    });
  }

  function renderFirst(seq, text, result) {
    var old = listbox.childNodes.length;
    return renderMore().then(function () {
      if (seq !== current.seq) return;
      // Replace the previous results only now, so the list does not flicker while loading.
      for (var i = 0; i < old; i++) listbox.removeChild(listbox.firstChild);
      status.textContent = describe(result.docs.length, text);
      if (current.shown) setActive(0);
      // From starting the search to the results in the page: index loading, ranking, snippets.
      api.stats.shownMs = performance.now() - result.started;
      if (pendingEnter === seq && current.shown) window.location.href = listbox.querySelector("[role=option]").href;
    });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(function () { timer = null; run(); }, DEBOUNCE_MS);
  }

  input.addEventListener("input", schedule);
  input.addEventListener("focus", function () {
    loadManifest().catch(function () { /* reported when searching */ });
    if (input.value.trim() && listbox.childNodes.length) open(true);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (panel.hidden) { if (input.value.trim()) { open(true); } return; }
      e.preventDefault();
      setActive(current.active + (e.key === "ArrowDown" ? 1 : -1));
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (input.value.trim() !== current.text || timer) {
        // Enter before the results for what was typed are shown: open the first when they are.
        clearTimeout(timer);
        timer = null;
        run();
        pendingEnter = current.seq;
        return;
      }
      var options = listbox.querySelectorAll("[role=option]");
      var pick = options[current.active >= 0 ? current.active : 0];
      if (pick && !panel.hidden) window.location.href = pick.href;
    } else if (e.key === "Escape") {
      if (!panel.hidden) {
        e.preventDefault();
        open(false);
      }
    }
  });
  more.addEventListener("click", function () {
    var next = current.shown;
    renderMore().then(function () { setActive(next); input.focus(); });
  });
  listbox.addEventListener("mousedown", function (e) {
    // Keep focus in the box so the panel stays open while the click completes.
    if (e.target.closest && e.target.closest("[role=option]")) e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    if (!box.contains(e.target)) open(false);
  });
  box.addEventListener("focusout", function (e) {
    // Tabbing away closes the list; moving within the search box (to "Show more") does not.
    if (e.relatedTarget && !box.contains(e.relatedTarget)) open(false);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    e.preventDefault();
    input.focus();
    input.select();
  });
})();
