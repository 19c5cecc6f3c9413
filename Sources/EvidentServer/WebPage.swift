// The contract with Scripts/browser-test.py (keep both in step when renaming anything):
//
//   Header       #index-status (text of GET /health, class is-error when it failed), #index-name
//   Tabs         [role=tablist] with buttons #tab-search, #tab-ask, #tab-ground (aria-selected; arrow keys,
//                Home and End move between them) controlling #panel-search, #panel-ask, #panel-ground
//   Search       #search-form, #search-query, #search-limit, #search-mode (values "", lexical, dense; "" leaves
//                the mode to the server), #search-submit, #search-status (role=status), #search-error
//                (role=alert), #search-results (ol) > li.result with .rank, .result-title, .result-section,
//                .passage (matched words in <mark>), .citation > .doc, .offsets, a.source-link, .score
//   Ask          #ask-form, #ask-question, #ask-sentences (3–6), #ask-submit, #ask-status, #ask-error,
//                #ask-answer > .answer-text > span.sentence + a.ref-link[href="#ask-ref-N"],
//                #ask-references (ol) > li.reference#ask-ref-N with .ref-number, .quote, .source-title,
//                .source-section, .citation > .doc, .offsets, a.source-link
//   Ground       #ground-form, #ground-answer (textarea; Ctrl+Enter or Cmd+Enter submits), #ground-submit,
//                #ground-status, #ground-error, #ground-summary (in #ground-status: one .count.verdict-… or
//                .count.not-a-claim per kind), #ground-results (ol) > li.claim with one of .verdict-supported,
//                .verdict-partially-supported, .verdict-contradicted, .verdict-unsupported, .not-a-claim; inside:
//                .verdict-label (the verdict in words), .support, .claim-id, .claim-text, .reason (not-a-claim),
//                ol.citations > li.citation with .quote, .source-title, .source-section, .citation-meta > .doc,
//                .offsets, a.source-link, .score, .conflict; further citations in details.more-citations; the
//                parts of a compound claim in ol.parts > li.claim
//   Busy state   while a request runs, the form has class is-busy, its submit button is disabled and the output
//                (#search-results, #ask-output, #ground-results) has aria-busy="true"
//
// The page needs from the server: GET /health, POST /v1/search, /v1/ask and /v1/ground (JSON in and out, errors
// as {"error": {"status", "code", "message"}}). It loads nothing else and works under
// `Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline';
// connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`.

/// The single page served at `GET /`: search, ask and ground, with no external assets and no build step.
enum WebPage {
    /// The page's Content-Security-Policy: inline script and style, requests to this server only.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static let html: String = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light">
        <title>Evident</title>
        <link rel="icon" href="data:,">
        <style>
        :root {
          --ink: #1b2631;
          --muted: #55606d;
          --line: #d6dce3;
          --field: #7a8592;
          --page: #f3f5f7;
          --card: #ffffff;
          --brand: #123c55;
          --accent: #0b5f8a;
          --accent-dark: #084766;
          --focus: #1a5fd0;
          --mark: #ffeaa0;
          --ok-ink: #1b5e20; --ok-bg: #e3f3e5; --ok-line: #2e7d32;
          --part-ink: #6a4200; --part-bg: #fff0c4; --part-line: #c98a00;
          --bad-ink: #9b1c13; --bad-bg: #fde3e0; --bad-line: #c62828;
          --none-ink: #44525c; --none-bg: #eceff1; --none-line: #90a0aa;
          --radius: 6px;
        }
        *, *::before, *::after { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
        body {
          margin: 0;
          font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
          color: var(--ink);
          background: var(--page);
          overflow-wrap: break-word;
        }
        a { color: var(--accent); }
        a:hover { color: var(--accent-dark); }
        :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
        input:focus-visible, select:focus-visible, textarea:focus-visible {
          outline-offset: 0; border-color: var(--focus);
        }
        .visually-hidden {
          position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
          clip: rect(0 0 0 0); white-space: nowrap; border: 0;
        }
        .wrap { max-width: 62rem; margin: 0 auto; padding: 0 1.25rem; }

        /* Header */
        .masthead { background: var(--brand); color: #fff; padding: 1.1rem 0 1rem; }
        .masthead h1 { margin: 0; font-size: 1.5rem; letter-spacing: .02em; font-weight: 650; }
        .tagline { margin: .15rem 0 .6rem; color: #d5e3ec; font-size: .95rem; }
        .index-status {
          margin: 0; font-size: .875rem; color: #e8f0f5; display: flex; flex-wrap: wrap; gap: .25rem .9rem;
        }
        .index-status .index-name {
          font-weight: 650; color: #fff; background: rgba(255, 255, 255, .14); padding: 0 .45rem; border-radius: 4px;
        }
        .index-status.is-error { color: #ffd7d2; }

        /* Tabs */
        .tabs { display: flex; gap: .25rem; border-bottom: 1px solid var(--line); margin: 1.25rem 0 0; }
        .tabs [role="tab"] {
          font: inherit; font-weight: 600; color: var(--muted); background: none; border: 0;
          border-bottom: 3px solid transparent; border-radius: 4px 4px 0 0; padding: .55rem 1rem .45rem;
          cursor: pointer;
        }
        .tabs [role="tab"]:hover { color: var(--ink); background: #e8ecf0; }
        .tabs [role="tab"][aria-selected="true"] { color: var(--accent-dark); border-bottom-color: var(--accent); }
        .panel { padding: 1.1rem 0 2.5rem; }
        .intro { margin: 0 0 1rem; color: var(--muted); max-width: 48rem; }

        /* Forms */
        .tool-form {
          display: flex; flex-wrap: wrap; align-items: flex-end; gap: .9rem 1rem;
          background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1rem;
        }
        .field { display: flex; flex-direction: column; gap: .25rem; min-width: 0; }
        .field-grow { flex: 1 1 18rem; }
        .field-full { flex: 1 1 100%; }
        .field-small { flex: 0 0 8.5rem; }
        label { font-weight: 600; font-size: .9rem; }
        .hint { font-size: .8rem; font-weight: 400; color: var(--muted); }
        label .hint { white-space: nowrap; }
        input, select, textarea {
          font: inherit; color: var(--ink); background: #fff; width: 100%; min-width: 0;
          border: 1px solid var(--field); border-radius: 4px; padding: .45rem .6rem;
        }
        input, select { min-height: 2.6rem; }
        textarea { resize: vertical; min-height: 9rem; line-height: 1.45; }
        .actions { display: flex; align-items: flex-end; }
        button.primary {
          font: inherit; font-weight: 600; color: #fff; background: var(--accent); border: 1px solid var(--accent-dark);
          border-radius: 4px; padding: .5rem 1.2rem; cursor: pointer; min-height: 2.6rem; white-space: nowrap;
        }
        button.primary:hover { background: var(--accent-dark); }
        button.primary:disabled { background: #6d8fa3; border-color: #6d8fa3; cursor: progress; }
        .is-busy button.primary::before {
          content: ""; display: inline-block; width: .85em; height: .85em; margin-right: .5em; vertical-align: -.1em;
          border: 2px solid rgba(255, 255, 255, .45); border-top-color: #fff; border-radius: 50%;
          animation: spin .8s linear infinite;
        }
        @keyframes spin { to { transform: rotate(360deg); } }
        @media (prefers-reduced-motion: reduce) { .is-busy button.primary::before { animation: none; } }

        /* Messages */
        .status { margin: .9rem 0 .4rem; color: var(--muted); font-size: .95rem; min-height: 1.5em; }
        .error {
          margin: .9rem 0 0; padding: .7rem .9rem; border: 1px solid var(--bad-line); border-left-width: 5px;
          border-radius: var(--radius); background: var(--bad-bg); color: var(--bad-ink);
        }
        .error:empty { margin: 0; padding: 0; border: 0; }
        [aria-busy="true"] { opacity: .55; }

        /* Shared citation pieces */
        .doc {
          font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: .85em;
        }
        .doc, .source-link { overflow-wrap: anywhere; }
        p.citation, .citation-meta { font-size: .85rem; color: var(--muted); margin: .35rem 0 0; }
        p.citation > * + *::before, .citation-meta > * + *::before {
          content: "·"; display: inline-block; margin: 0 .45rem; color: var(--field); text-decoration: none;
        }
        .offsets, .score { white-space: nowrap; }
        .quote { margin: 0; padding: .1rem 0 .1rem .8rem; border-left: 3px solid var(--line); font-style: normal; }
        .source { margin: .3rem 0 0; font-size: .9rem; }
        .source-title { font-weight: 600; }
        .source-section { color: var(--muted); }
        .source-section:not(:empty)::before { content: "— "; }
        mark { background: var(--mark); color: inherit; padding: 0 .08em; border-radius: 2px; }

        /* Search */
        .results, .references, .claims, .citations, .parts { list-style: none; margin: 0; padding: 0; }
        .result {
          background: var(--card); border: 1px solid var(--line); border-radius: var(--radius);
          padding: .85rem 1rem; margin: 0 0 .75rem;
        }
        .result-head { display: flex; gap: .6rem; align-items: baseline; }
        .rank {
          flex: none; font-size: .8rem; font-weight: 700; color: var(--accent-dark); background: #e3eef5;
          border-radius: 999px; min-width: 1.8rem; text-align: center; padding: .05rem .4rem;
        }
        .result-title { margin: 0; font-size: 1.05rem; line-height: 1.35; }
        .result-section { margin: .15rem 0 0; font-size: .9rem; color: var(--muted); }
        .passage { margin: .5rem 0 0; }

        /* Ask */
        .answer {
          background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1rem 1.1rem;
        }
        .answer h3, .references-block h3 { margin: 0 0 .4rem; font-size: 1rem; }
        .answer-text { margin: 0; font-size: 1.05rem; line-height: 1.65; }
        .ref-link { font-size: .85em; font-weight: 700; text-decoration: none; padding: 0 .1em; white-space: nowrap; }
        .ref-link:hover { text-decoration: underline; }
        .references-block { margin-top: 1.1rem; }
        .reference {
          display: grid; grid-template-columns: auto 1fr; gap: 0 .7rem; background: var(--card);
          border: 1px solid var(--line); border-radius: var(--radius); padding: .75rem 1rem; margin: 0 0 .6rem;
        }
        .reference > div { min-width: 0; }
        .reference:target { border-color: var(--accent); box-shadow: 0 0 0 2px #c9deeb; }
        .ref-number { font-weight: 700; color: var(--accent-dark); }

        /* Ground */
        .legend { margin: 0 0 1rem; font-size: .9rem; color: var(--muted); }
        .legend summary { cursor: pointer; color: var(--accent); font-weight: 600; width: fit-content; }
        .legend dl { margin: .5rem 0 0; display: grid; grid-template-columns: max-content 1fr; gap: .3rem .8rem; }
        .legend dt { margin: 0; }
        .legend dd { margin: 0; }
        .summary { display: inline-flex; flex-wrap: wrap; gap: .4rem; vertical-align: middle; margin-left: .3rem; }
        .summary:empty { display: none; }
        .count { font-size: .85rem; font-weight: 600; border-radius: 999px; padding: .1rem .65rem; border: 1px solid; }
        .verdict-label {
          display: inline-block; font-size: .78rem; font-weight: 700; letter-spacing: .02em; text-transform: uppercase;
          border-radius: 4px; padding: .05rem .5rem; border: 1px solid;
        }
        .verdict-supported .verdict-label, .count.verdict-supported {
          color: var(--ok-ink); background: var(--ok-bg); border-color: var(--ok-line);
        }
        .verdict-partially-supported .verdict-label, .count.verdict-partially-supported {
          color: var(--part-ink); background: var(--part-bg); border-color: var(--part-line);
        }
        .verdict-contradicted .verdict-label, .count.verdict-contradicted {
          color: var(--bad-ink); background: var(--bad-bg); border-color: var(--bad-line);
        }
        .verdict-unsupported .verdict-label, .count.verdict-unsupported {
          color: var(--none-ink); background: var(--none-bg); border-color: var(--none-line);
        }
        .not-a-claim .verdict-label, .count.not-a-claim {
          color: var(--muted); background: transparent; border-color: var(--line); border-style: dashed;
        }
        .claim {
          background: var(--card); border: 1px solid var(--line); border-left: 5px solid var(--none-line);
          border-radius: var(--radius); padding: .7rem 1rem; margin: 0 0 .65rem;
        }
        .claim.verdict-supported { border-left-color: var(--ok-line); }
        .claim.verdict-partially-supported { border-left-color: var(--part-line); }
        .claim.verdict-contradicted { border-left-color: var(--bad-line); }
        .claim.verdict-unsupported { border-left-color: var(--none-line); }
        .claim.not-a-claim {
          background: transparent; color: var(--muted); border-style: dashed; border-left-width: 1px;
          padding: .45rem 1rem;
        }
        .claim-head { display: flex; flex-wrap: wrap; align-items: center; gap: .35rem .7rem; }
        .support, .claim-id { font-size: .85rem; color: var(--muted); }
        .claim-id { font-family: ui-monospace, Menlo, Consolas, monospace; }
        .claim-text { margin: .35rem 0 0; }
        .not-a-claim .claim-text { margin: 0; flex: 1 1 16rem; }
        .reason { font-size: .85rem; font-style: italic; }
        .citations { margin: .55rem 0 0; }
        .citations-caption { margin: .55rem 0 0; font-size: .85rem; color: var(--muted); font-style: italic; }
        .citations .citation { color: var(--ink); font-size: .95rem; margin: 0; padding: .5rem 0 0; }
        .citations .citation + .citation { border-top: 1px solid #eef1f4; margin-top: .45rem; }
        .conflict { margin: .3rem 0 0; font-size: .88rem; color: var(--bad-ink); font-weight: 600; }
        .more-citations { margin: .5rem 0 0; font-size: .9rem; }
        .more-citations summary { cursor: pointer; color: var(--accent); width: fit-content; }
        .parts { margin: .7rem 0 0 1.1rem; }
        .parts-caption { margin: .6rem 0 0; font-size: .85rem; font-weight: 600; color: var(--muted); }
        .parts .claim { margin-bottom: .5rem; background: #fbfcfd; }

        footer { color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); padding: 1rem 0 2rem; }

        @media (max-width: 560px) {
          .wrap { padding: 0 .8rem; }
          .tabs [role="tab"] { flex: 1 1 0; padding: .55rem .4rem .45rem; }
          .tool-form { padding: .8rem; gap: .75rem; }
          .field-grow { flex-basis: 100%; }
          .field-small { flex: 1 1 5.5rem; }
          .field:not(.field-grow):not(.field-full):not(.field-small) { flex: 1 1 9rem; }
          .actions { flex: 1 1 100%; }
          .actions button.primary { width: 100%; }
          .result, .claim, .reference { padding-left: .75rem; padding-right: .75rem; }
          .parts { margin-left: .4rem; }
          .legend dl { grid-template-columns: 1fr; }
          p.citation, .citation-meta { display: flex; flex-wrap: wrap; gap: 0 .9rem; }
          p.citation > * + *::before, .citation-meta > * + *::before { content: none; }
          .legend dd { margin-bottom: .4rem; }
        }
        </style>
        </head>
        <body>
        <header class="masthead">
          <div class="wrap">
            <h1>Evident</h1>
            <p class="tagline">Search clinical guidelines, get extractive answers, and check written answers against
              the sources.</p>
            <p id="index-status" class="index-status">Loading the index status…</p>
          </div>
        </header>

        <main class="wrap">
          <div class="tabs" role="tablist" aria-label="Tools">
            <button type="button" role="tab" id="tab-search" aria-controls="panel-search" aria-selected="true">
              Search</button>
            <button type="button" role="tab" id="tab-ask" aria-controls="panel-ask" aria-selected="false" tabindex="-1">
              Ask</button>
            <button type="button" role="tab" id="tab-ground" aria-controls="panel-ground" aria-selected="false"
                    tabindex="-1">
              Ground</button>
          </div>

          <section id="panel-search" class="panel" role="tabpanel" aria-labelledby="tab-search">
            <h2 class="visually-hidden">Search</h2>
            <p class="intro">Find the passages of the indexed documents that match a query, each with its place in the
              source.</p>
            <form id="search-form" class="tool-form" autocomplete="off">
              <div class="field field-grow">
                <label for="search-query">Query</label>
                <input id="search-query" name="query" type="search" required spellcheck="false"
                       placeholder="first-line treatment for pleural mesothelioma">
              </div>
              <div class="field field-small">
                <label for="search-limit">Results <span class="hint">(1–100)</span></label>
                <input id="search-limit" name="limit" type="number" inputmode="numeric" min="1" step="1" value="10">
              </div>
              <div class="field">
                <label for="search-mode">Mode</label>
                <select id="search-mode" name="mode">
                  <option value="" selected>Hybrid (default)</option>
                  <option value="lexical">Lexical (BM25)</option>
                  <option value="dense">Dense (embeddings)</option>
                </select>
              </div>
              <div class="actions"><button id="search-submit" class="primary" type="submit">Search</button></div>
            </form>
            <div id="search-error" class="error" role="alert"></div>
            <p id="search-status" class="status" role="status"></p>
            <ol id="search-results" class="results" aria-label="Search results"></ol>
          </section>

          <section id="panel-ask" class="panel" role="tabpanel" aria-labelledby="tab-ask" hidden>
            <h2 class="visually-hidden">Ask</h2>
            <p class="intro">Get an answer made only of sentences quoted from the documents, each linked to its
              source.</p>
            <form id="ask-form" class="tool-form" autocomplete="off">
              <div class="field field-grow">
                <label for="ask-question">Question</label>
                <input id="ask-question" name="question" type="text" required
                       placeholder="How does CAR-T cell therapy work for mesothelioma?">
              </div>
              <div class="field field-small">
                <label for="ask-sentences">Sentences</label>
                <select id="ask-sentences" name="sentences">
                  <option>3</option>
                  <option>4</option>
                  <option selected>5</option>
                  <option>6</option>
                </select>
              </div>
              <div class="actions"><button id="ask-submit" class="primary" type="submit">Ask</button></div>
            </form>
            <div id="ask-error" class="error" role="alert"></div>
            <p id="ask-status" class="status" role="status"></p>
            <div id="ask-output"></div>
          </section>

          <section id="panel-ground" class="panel" role="tabpanel" aria-labelledby="tab-ground" hidden>
            <h2 class="visually-hidden">Ground</h2>
            <p class="intro">Paste an answer (Markdown or plain text): each claim in it is checked against the documents
              and shown with the sentences that support or contradict it.</p>
            <details class="legend">
              <summary>What the verdicts mean</summary>
              <dl>
                <dt><span class="verdict-supported"><span class="verdict-label">Supported</span></span></dt>
                <dd>A cited sentence says what the claim says.</dd>
                <dt>
                  <span class="verdict-partially-supported">
                    <span class="verdict-label">Partially supported</span>
                  </span>
                </dt>
                <dd>The sources say part of it, or say it less exactly.</dd>
                <dt><span class="verdict-contradicted"><span class="verdict-label">Contradicted</span></span></dt>
                <dd>A sentence on the same subject says otherwise: another number, a negation, “experimental” for
                  “approved”.</dd>
                <dt><span class="verdict-unsupported"><span class="verdict-label">Unsupported</span></span></dt>
                <dd>Nothing in the documents says it; the closest sentences are shown.</dd>
                <dt><span class="not-a-claim"><span class="verdict-label">Not a claim</span></span></dt>
                <dd>Headings, questions, calls to action and disclaimers are kept but not checked.</dd>
              </dl>
            </details>
            <form id="ground-form" class="tool-form" autocomplete="off">
              <div class="field field-full">
                <label for="ground-answer">Answer to check</label>
                <textarea id="ground-answer" name="answer" rows="8" required spellcheck="false"
                          aria-describedby="ground-hint"></textarea>
                <span id="ground-hint" class="hint">Markdown or plain text. Ctrl+Enter (⌘+Enter on a Mac) checks
                  it.</span>
              </div>
              <div class="actions">
                <button id="ground-submit" class="primary" type="submit">Check the answer</button>
              </div>
            </form>
            <div id="ground-error" class="error" role="alert"></div>
            <p id="ground-status" class="status" role="status"></p>
            <ol id="ground-results" class="claims" aria-label="Claims"></ol>
          </section>
        </main>

        <footer>
          <div class="wrap">
            <span id="footer-version">Evident</span> · Everything shown is quoted from the indexed documents; it is not
            medical advice.
          </div>
        </footer>

        <script>
        "use strict";
        (function () {
          const requestTimeoutSeconds = 120;
          const numberFormat = new Intl.NumberFormat();
          const verdictLabels = {
            "supported": "Supported",
            "partially-supported": "Partially supported",
            "contradicted": "Contradicted",
            "unsupported": "Unsupported",
          };

          const byId = (id) => document.getElementById(id);

          // Builds an element; text goes in as text nodes, never as markup.
          function element(tag, attributes, ...children) {
            const node = document.createElement(tag);
            for (const [name, value] of Object.entries(attributes || {})) {
              if (value === null || value === undefined || value === false) continue;
              if (name === "class") node.className = value;
              else node.setAttribute(name, value === true ? "" : String(value));
            }
            for (const child of children.flat()) {
              if (child === null || child === undefined || child === false) continue;
              node.append(child instanceof Node ? child : String(child));
            }
            return node;
          }

          class RequestError extends Error {
            constructor(message, status, code) {
              super(message);
              this.status = status;
              this.code = code;
            }
          }

          async function request(method, path, body) {
            const controller = new AbortController();
            const timer = setTimeout(() => controller.abort(), requestTimeoutSeconds * 1000);
            const headers = { "Accept": "application/json" };
            if (body !== undefined) headers["Content-Type"] = "application/json";
            let response;
            let text;
            try {
              response = await fetch(path, {
                method, headers, cache: "no-store", signal: controller.signal,
                body: body === undefined ? undefined : JSON.stringify(body),
              });
              text = await response.text();
            } catch (error) {
              if (error.name === "AbortError") {
                throw new RequestError("The server did not answer within " + requestTimeoutSeconds + " seconds.");
              }
              throw new RequestError("Could not reach the server (" + (error.message || error.name) + ").");
            } finally {
              clearTimeout(timer);
            }
            let payload = null;
            try { payload = text ? JSON.parse(text) : null; } catch (_) { payload = null; }
            if (!response.ok) {
              const detail = payload && payload.error;
              const message = detail && typeof detail.message === "string" && detail.message
                ? detail.message
                : "The server answered " + response.status + (response.statusText ? " " + response.statusText : "") +
                    ".";
              throw new RequestError(message, response.status, detail && detail.code);
            }
            if (payload === null || typeof payload !== "object") {
              throw new RequestError("The server's answer is not JSON.", response.status);
            }
            return payload;
          }

          // Only http and https addresses become links: a document's front matter must not be able to run script.
          function safeURL(address) {
            if (typeof address !== "string" || address === "") return null;
            try {
              const url = new URL(address, document.baseURI);
              return url.protocol === "http:" || url.protocol === "https:" ? url : null;
            } catch (_) {
              return null;
            }
          }

          function sourceLink(address) {
            const url = safeURL(address);
            if (!url) return address ? element("span", { class: "source-url" }, address) : null;
            const shown = url.host.replace(/^www\./, "") + (url.pathname === "/" ? "" : url.pathname);
            return element("a", { class: "source-link", href: url.href, target: "_blank", rel: "noopener noreferrer" },
              shown, element("span", { class: "visually-hidden" }, " (opens in a new tab)"));
          }

          function offsets(start, end) {
            return element("span", { class: "offsets", title: "Unicode scalar offsets in the source file" },
              "chars " + start + "–" + end);
          }

          function formatScore(value, digits) {
            return typeof value === "number" && isFinite(value) ? value.toFixed(digits) : "—";
          }

          // Highlighting. Matched terms are analysed (lowercased, diacritics removed, stemmed: "therapi"), so a
          // word of the text is marked when its folded form starts with a term. A stem ending in "i" also matches
          // the "y" spelling ("therapy"); numbers must match whole; and the rest of the word may not be longer than
          // a suffix could be, so that "car" does not mark "carboplatin".
          function fold(word) {
            return word.normalize("NFD").replace(/\p{M}+/gu, "").toLowerCase();
          }

          function matchesTerm(word, term) {
            if (/^\p{N}+$/u.test(term)) return word === term;
            const longestSuffix = term.length <= 4 ? 4 : 7;
            const candidates = [term];
            if (term.length > 2 && term.endsWith("i")) candidates.push(term.slice(0, -1) + "y");
            return candidates.some((stem) => word.startsWith(stem) && word.length - stem.length <= longestSuffix);
          }

          function highlighted(text, terms) {
            const fragment = document.createDocumentFragment();
            const stems = (Array.isArray(terms) ? terms : []).map((term) => fold(String(term))).filter((term) => term);
            if (stems.length === 0) {
              fragment.append(text);
              return fragment;
            }
            const wordPattern = /[\p{L}\p{N}]+/gu;
            let copied = 0;
            for (const match of text.matchAll(wordPattern)) {
              const folded = fold(match[0]);
              if (!stems.some((stem) => matchesTerm(folded, stem))) continue;
              if (match.index > copied) fragment.append(text.slice(copied, match.index));
              fragment.append(element("mark", null, match[0]));
              copied = match.index + match[0].length;
            }
            if (copied < text.length) fragment.append(text.slice(copied));
            return fragment;
          }

          // Tabs: one tab stop; arrow keys, Home and End move between tabs and show their panel.
          const tabs = Array.from(document.querySelectorAll('[role="tab"]'));

          function selectTab(tab, moveFocus) {
            for (const other of tabs) {
              const selected = other === tab;
              other.setAttribute("aria-selected", String(selected));
              other.tabIndex = selected ? 0 : -1;
              byId(other.getAttribute("aria-controls")).hidden = !selected;
            }
            if (moveFocus) tab.focus();
          }

          for (const tab of tabs) {
            tab.addEventListener("click", () => selectTab(tab, false));
            tab.addEventListener("keydown", (event) => {
              const index = tabs.indexOf(tab);
              let next = null;
              if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
              else if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
              else if (event.key === "Home") next = tabs[0];
              else if (event.key === "End") next = tabs[tabs.length - 1];
              if (next) {
                event.preventDefault();
                selectTab(next, true);
              }
            });
          }

          // Runs one form's request: busy state, errors in the alert region, the result announced in the status region.
          function handleForm(name, options) {
            const form = byId(name + "-form");
            const button = byId(name + "-submit");
            const status = byId(name + "-status");
            const alertRegion = byId(name + "-error");
            const output = byId(options.output);
            const idleLabel = button.textContent;
            let busy = false;

            function showError(message, error) {
              alertRegion.replaceChildren(
                element("strong", null, error && error.status ? "Error " + error.status + ":" : "Error:"),
                " ", message);
            }

            form.addEventListener("submit", async (event) => {
              event.preventDefault();
              if (busy) return;
              const body = options.body();
              alertRegion.replaceChildren();
              if (typeof body === "string") {
                showError(body);
                status.textContent = "";
                options.field.focus();
                return;
              }
              busy = true;
              form.classList.add("is-busy");
              button.disabled = true;
              button.textContent = options.busyLabel;
              output.setAttribute("aria-busy", "true");
              status.textContent = options.busyMessage;
              try {
                const payload = await request("POST", options.path, body);
                status.replaceChildren(options.render(payload));
              } catch (error) {
                options.clear();
                status.textContent = "";
                showError(error instanceof RequestError ? error.message : "Unexpected error: " + error, error);
              } finally {
                busy = false;
                form.classList.remove("is-busy");
                button.disabled = false;
                button.textContent = idleLabel;
                output.removeAttribute("aria-busy");
              }
            });
          }

          // Search
          const searchResults = byId("search-results");

          function renderSearch(payload) {
            const results = Array.isArray(payload.results) ? payload.results : [];
            searchResults.replaceChildren(...results.map((result) => element("li", { class: "result" },
              element("div", { class: "result-head" },
                element("span", { class: "rank" }, element("span", { class: "visually-hidden" }, "Rank "), result.rank),
                element("h3", { class: "result-title" }, result.title || result.document)),
              result.section ? element("p", { class: "result-section" }, result.section) : null,
              element("p", { class: "passage" }, highlighted(String(result.text || ""), result.matched_terms)),
              element("p", { class: "citation" },
                element("span", { class: "doc" }, result.document),
                offsets(result.start, result.end),
                sourceLink(result.url),
                element("span", { class: "score" }, "score " + formatScore(result.score, 4))))));
            const count = results.length;
            const how = [payload.mode, payload.mode !== "dense" ? payload.scoring : null].filter(Boolean).join(", ");
            if (count === 0) return "No passage matches “" + payload.query + "”" + (how ? " (" + how + ")." : ".");
            return count + (count === 1 ? " result" : " results") + " for “" + payload.query + "”" +
              (how ? " (" + how + ")." : ".");
          }

          handleForm("search", {
            path: "/v1/search",
            output: "search-results",
            field: byId("search-query"),
            busyLabel: "Searching…",
            busyMessage: "Searching…",
            body() {
              const query = byId("search-query").value.trim();
              if (!query) return "Enter a query.";
              const body = { query };
              const limit = byId("search-limit").value.trim();
              if (limit !== "") body.limit = Number(limit);
              const mode = byId("search-mode").value;
              if (mode) body.mode = mode;
              return body;
            },
            render: renderSearch,
            clear() { searchResults.replaceChildren(); },
          });

          // Ask
          const askOutput = byId("ask-output");

          function citationMeta(item) {
            return element("p", { class: "citation" },
              element("span", { class: "doc" }, item.document),
              offsets(item.start, item.end),
              sourceLink(item.url));
          }

          function renderAsk(payload) {
            const sentences = Array.isArray(payload.sentences) ? payload.sentences : [];
            const references = Array.isArray(payload.references) ? payload.references : [];
            if (sentences.length === 0) {
              askOutput.replaceChildren();
              return "No sentence of the documents answers “" + payload.question + "”.";
            }
            const text = element("p", { class: "answer-text" });
            sentences.forEach((sentence, index) => {
              if (index > 0) text.append(" ");
              text.append(element("span", { class: "sentence" }, sentence.text), "\u00a0");
              const number = sentence.reference;
              if (Number.isInteger(number) && number >= 1 && number <= references.length) {
                const label = "reference " + number;
                text.append(element("a", { class: "ref-link", href: "#ask-ref-" + number, "aria-label": label },
                  "[" + number + "]"));
              }
            });
            askOutput.replaceChildren(
              element("section", { id: "ask-answer", class: "answer", "aria-labelledby": "ask-answer-heading" },
                element("h3", { id: "ask-answer-heading" }, "Answer"), text),
              element("section", { class: "references-block", "aria-labelledby": "ask-references-heading" },
                element("h3", { id: "ask-references-heading" }, "References"),
                element("ol", { id: "ask-references", class: "references" }, references.map((reference, index) =>
                  element("li", { id: "ask-ref-" + (index + 1), class: "reference", tabindex: "-1" },
                    element("span", { class: "ref-number" }, "[" + (index + 1) + "]"),
                    element("div", null,
                      element("blockquote", { class: "quote" }, "“" + reference.quote + "”"),
                      element("p", { class: "source" },
                        element("span", { class: "source-title" }, reference.title || reference.document), " ",
                        element("span", { class: "source-section" }, reference.section || "")),
                      citationMeta(reference)))))));
            return "Answer of " + sentences.length + (sentences.length === 1 ? " sentence" : " sentences") + " with " +
              references.length + (references.length === 1 ? " reference." : " references.");
          }

          handleForm("ask", {
            path: "/v1/ask",
            output: "ask-output",
            field: byId("ask-question"),
            busyLabel: "Answering…",
            busyMessage: "Looking for sentences that answer the question…",
            body() {
              const question = byId("ask-question").value.trim();
              if (!question) return "Enter a question.";
              return { question, sentences: Number(byId("ask-sentences").value) };
            },
            render: renderAsk,
            clear() { askOutput.replaceChildren(); },
          });

          // Ground
          const groundResults = byId("ground-results");

          function groundCitation(citation) {
            const conflicts = Array.isArray(citation.conflicts) ? citation.conflicts : [];
            return element("li", { class: "citation" },
              element("blockquote", { class: "quote" }, "“" + citation.quote + "”"),
              element("p", { class: "source" },
                element("span", { class: "source-title" }, citation.title || citation.document), " ",
                element("span", { class: "source-section" }, citation.section || "")),
              element("p", { class: "citation-meta" },
                element("span", { class: "doc" }, citation.document),
                offsets(citation.start, citation.end),
                sourceLink(citation.url),
                element("span", { class: "score" }, "score " + formatScore(citation.score, 2))),
              conflicts.map((conflict) => element("p", { class: "conflict" }, "Conflict: " + conflict)),
              pageImage(citation));
          }

          // A PDF citation shows its page, the quoted words highlighted (GET /v1/page draws it).
          function pageImage(citation) {
            if (!Number.isInteger(citation.physical_page)) return null;
            const query = new URLSearchParams({
              document: citation.document, page: String(citation.physical_page),
              start: String(citation.start), end: String(citation.end),
            });
            return element("details", { class: "page-image" },
              element("summary", null, "Page " + (citation.page || citation.physical_page)),
              element("img", { src: "/v1/page?" + query.toString(), loading: "lazy", width: "100%",
                alt: "Page " + (citation.page || citation.physical_page) + " of " + citation.document
                  + ", with the quoted sentence highlighted" }));
          }

          // The most telling citation (the first) and any that conflict are shown; the others fold away.
          function groundCitations(claim) {
            const citations = Array.isArray(claim.citations) ? claim.citations : [];
            if (citations.length === 0) return null;
            const shown = [];
            const folded = [];
            citations.forEach((citation, index) => {
              const conflicts = Array.isArray(citation.conflicts) && citation.conflicts.length > 0;
              (index === 0 || conflicts ? shown : folded).push(citation);
            });
            const caption = claim.verdict === "unsupported"
              ? element("p", { class: "citations-caption" }, "Closest sentences (they do not support the claim):")
              : null;
            return [
              caption,
              element("ol", { class: "citations", "aria-label": "Sources" }, shown.map(groundCitation)),
              folded.length === 0 ? null : element("details", { class: "more-citations" },
                element("summary", null, folded.length + (folded.length === 1 ? " more source" : " more sources")),
                element("ol", { class: "citations" }, folded.map(groundCitation))),
            ];
          }

          function groundClaim(claim) {
            if (claim.kind === "not-a-claim") {
              const reason = String(claim.reason || "").replace(/-/g, " ");
              return element("li", { class: "claim not-a-claim" },
                element("div", { class: "claim-head" },
                  element("span", { class: "verdict-label" }, "Not a claim"),
                  reason ? element("span", { class: "reason" }, reason) : null,
                  claim.id ? element("span", { class: "claim-id" }, claim.id) : null,
                  element("p", { class: "claim-text" }, claim.text)));
            }
            const verdict = verdictLabels[claim.verdict] ? claim.verdict : "unsupported";
            const parts = Array.isArray(claim.claims) ? claim.claims : [];
            return element("li", { class: "claim verdict-" + verdict },
              element("div", { class: "claim-head" },
                element("span", { class: "verdict-label" }, verdictLabels[verdict]),
                element("span", { class: "support" }, "support " + formatScore(claim.support, 2)),
                claim.id ? element("span", { class: "claim-id" }, claim.id) : null),
              element("p", { class: "claim-text" }, claim.text),
              groundCitations(claim),
              parts.length === 0 ? null : [
                element("p", { class: "parts-caption" }, "Checked in " + parts.length + " parts:"),
                element("ol", { class: "parts" }, parts.map(groundClaim)),
              ]);
          }

          // The status line: the number of claims, then one labelled, coloured count per verdict (#ground-summary).
          function renderGround(payload) {
            const claims = Array.isArray(payload.claims) ? payload.claims : [];
            groundResults.replaceChildren(...claims.map(groundClaim));
            const counts = {};
            let others = 0;
            for (const claim of claims) {
              if (claim.kind === "not-a-claim") others += 1;
              else counts[claim.verdict] = (counts[claim.verdict] || 0) + 1;
            }
            const checked = claims.length - others;
            const chips = Object.keys(verdictLabels).filter((verdict) => counts[verdict]).map((verdict) =>
              element("span", { class: "count verdict-" + verdict },
                counts[verdict] + " " + verdictLabels[verdict].toLowerCase()));
            if (others) {
              const label = others + " not " + (others === 1 ? "a claim" : "claims");
              chips.push(element("span", { class: "count not-a-claim" }, label));
            }
            const summary = element("span", { id: "ground-summary", class: "summary" });
            chips.forEach((chip, index) => {
              if (index > 0) summary.append(element("span", { class: "visually-hidden" }, ", "));
              summary.append(chip);
            });
            const heading = checked === 0
              ? "No claim to check in this answer."
              : checked + (checked === 1 ? " claim checked:" : " claims checked:");
            const fragment = document.createDocumentFragment();
            fragment.append(heading, summary);
            return fragment;
          }

          handleForm("ground", {
            path: "/v1/ground",
            output: "ground-results",
            field: byId("ground-answer"),
            busyLabel: "Checking…",
            busyMessage: "Checking each claim against the documents…",
            body() {
              const answer = byId("ground-answer").value;
              if (!answer.trim()) return "Paste an answer to check.";
              return { answer };
            },
            render: renderGround,
            clear() { groundResults.replaceChildren(); },
          });

          byId("ground-answer").addEventListener("keydown", (event) => {
            if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              byId("ground-form").requestSubmit();
            }
          });

          // Header: the index the server has open.
          async function loadHealth() {
            const status = byId("index-status");
            try {
              const health = await request("GET", "/health");
              const pieces = [
                element("span", { id: "index-name", class: "index-name" }, health.index || "index"),
                element("span", null, numberFormat.format(health.documents) + " documents"),
                element("span", null, numberFormat.format(health.passages) + " passages"),
              ];
              if (typeof health.sentenceVectors === "number") {
                pieces.push(element("span", null, numberFormat.format(health.sentenceVectors) + " sentence vectors"));
              }
              const model = health.model ? "model " + health.model : "no embedding model: lexical search only";
              pieces.push(element("span", null, model));
              status.replaceChildren(...pieces);
              status.classList.remove("is-error");
              if (health.version) byId("footer-version").textContent = "Evident " + health.version;
              if (!health.model) {
                const mode = byId("search-mode");
                mode.options[0].textContent = "Lexical (default; no model)";
                for (const option of mode.options) {
                  if (option.value === "dense") {
                    option.disabled = true;
                    option.textContent = "Dense (needs a model)";
                  }
                }
              }
            } catch (error) {
              status.classList.add("is-error");
              status.textContent = "Could not read the index status: " + error.message;
            }
          }

          loadHealth();
        })();
        </script>
        </body>
        </html>
        """#
}
