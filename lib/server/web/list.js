// The profile server's list page: fetches /api/profiles (search, sort), opens one in the viewer,
// two as a diff, deletes the user's own, and asks for a token when the server wants one.
// Every value from a profile goes into the page as text (textContent), never as HTML.

const $ = (id) => document.getElementById(id);
const state = { q: "", sort: "created_at", desc: true, selected: new Map(), rows: [] };
const debug = (globalThis.vmprofList = { ready: false, loads: 0 });

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

const fmtDate = (ms) => (ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : "");
const fmtDuration = (s) => (s === null || s === undefined ? "" : s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`);

async function api(method, path, body) {
  const r = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json().catch(() => ({}));
  return { status: r.status, json };
}

async function load() {
  const params = new URLSearchParams({ q: state.q, sort: state.sort, desc: state.desc ? "1" : "0" });
  const { status, json } = await api("GET", `api/profiles?${params}`);
  if (status === 401) {
    $("login").hidden = false;
    $("profiles").hidden = true;
    debug.ready = true;
    debug.needsToken = true;
    return;
  }
  if (status !== 200) throw new Error(json.error ?? `HTTP ${status}`);
  $("login").hidden = true;
  $("profiles").hidden = false;
  debug.needsToken = false;
  $("you").textContent = json.you ? `signed in as ${json.you}` : "";
  $("logout").hidden = !json.you;
  state.rows = json.profiles;
  render(json.total);
  debug.loads++;
  debug.ready = true;
}

function render(total) {
  $("count").textContent = `${state.rows.length} of ${total} profile${total === 1 ? "" : "s"}`;
  $("more").textContent = state.rows.length < total ? "Refine the search to see the others." : "";
  for (const b of document.querySelectorAll("#profiles th button")) {
    b.classList.toggle("on", b.dataset.sort === state.sort);
    b.classList.toggle("asc", !state.desc);
  }
  const body = state.rows.map((p) => {
    const tick = el("input", { type: "checkbox", "aria-label": "select for comparison" });
    tick.checked = state.selected.has(p.id);
    tick.addEventListener("change", () => {
      if (tick.checked) state.selected.set(p.id, p);
      else state.selected.delete(p.id);
      updateCompare();
    });
    const del = el("button", { type: "button", class: "delete", text: "Delete" });
    del.hidden = !p.mine;
    del.addEventListener("click", () => remove(p));
    const runtime = p.runtime_version ? `${p.runtime} ${p.runtime_version}` : p.runtime;
    return el(
      "tr",
      { "data-id": p.id },
      el("td", {}, tick),
      el("td", { class: "name" }, el("a", { href: `p/${p.id}/`, text: p.name })),
      el("td", { text: p.program }),
      el("td", { text: runtime }),
      el("td", { text: fmtDate(p.created_at) }),
      el("td", { class: "num", text: fmtDuration(p.duration_s) }),
      el("td", { class: "num", text: p.samples.toLocaleString("en") }),
      el("td", { text: p.uploader ?? "(anonymous)" }),
      el("td", {}, del),
    );
  });
  document.querySelector("#profiles tbody").replaceChildren(...body);
  updateCompare();
}

function updateCompare() {
  $("compare").disabled = state.selected.size !== 2;
}

async function remove(p) {
  if (!confirm(`Delete the profile "${p.name}"?`)) return;
  const { status, json } = await api("DELETE", `api/profiles/${p.id}`);
  if (status !== 200) return showError(json.error ?? `HTTP ${status}`);
  state.selected.delete(p.id);
  await load();
}

function showError(message) {
  const box = $("error");
  box.textContent = `vmprof-js: ${message}`;
  box.hidden = false;
  debug.error = message;
}

function wire() {
  let timer;
  $("q").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.q = $("q").value;
      load().catch((e) => showError(e.message));
    }, 150);
  });
  for (const b of document.querySelectorAll("#profiles th button")) {
    b.addEventListener("click", () => {
      if (state.sort === b.dataset.sort) state.desc = !state.desc;
      else {
        state.sort = b.dataset.sort;
        state.desc = state.sort === "created_at";
      }
      load().catch((e) => showError(e.message));
    });
  }
  $("compare").addEventListener("click", () => {
    const [a, b] = [...state.selected.values()].sort((x, y) => x.created_at - y.created_at);
    location.href = `p/${a.id},${b.id}/`;
  });
  $("login").addEventListener("submit", async (e) => {
    e.preventDefault();
    const { status, json } = await api("POST", "api/session", { token: $("token").value.trim() });
    if (status !== 200) {
      $("login-error").textContent = json.error ?? `HTTP ${status}`;
      return;
    }
    $("token").value = "";
    $("login-error").textContent = "";
    await load();
  });
  $("logout").addEventListener("click", async () => {
    await api("DELETE", "api/session");
    await load();
  });
}

wire();
load().catch((e) => showError(e.message));
