// The fake1688 dashboard: live journal lines, search by a dropped photo, the controls.
// No build step, no library: plain DOM and fetch. The pages work without it, but
// for these three.
"use strict";

const base = document.body.dataset.base;

function showError(id, message) {
  const box = document.getElementById(id);
  box.textContent = message;
  box.hidden = false;
}

async function errorOf(response) {
  try {
    const body = await response.json();
    return body.error || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

// -- the journal: new calls appear without a reload ---------------------------
// A row names its photo; the thumbnail is added once the row is on screen, so a
// journal of a thousand calls makes only the images a person can see.
const showing = new IntersectionObserver((seen) => {
  for (const cell of seen) {
    if (!cell.isIntersecting) continue;
    const image = document.createElement("img");
    image.className = "mini";
    image.alt = "query photo";
    image.src = `${base}/photos/${cell.target.dataset.photo}.jpg`;
    cell.target.append(image);
    showing.unobserve(cell.target);
  }
});
const watchPhotos = (root) => root.querySelectorAll("td[data-photo]:empty").forEach((cell) => showing.observe(cell));

const journal = document.getElementById("journal");
if (journal) {
  const rows = journal.querySelector("tbody");
  watchPhotos(rows);
  let last = journal.dataset.last;
  const filters = journal.dataset.filters;
  const poll = async () => {
    try {
      const response = await fetch(`${base}/rows?after=${last}&${filters}`, { cache: "no-store" });
      if (response.ok) {
        last = response.headers.get("x-last-seq") || last;
        const html = (await response.text()).trim();
        if (html) {
          rows.insertAdjacentHTML("afterbegin", html);
          watchPhotos(rows);
          document.getElementById("empty")?.remove();
        }
      }
    } finally {
      setTimeout(poll, 1000);
    }
  };
  setTimeout(poll, 1000);
}

// -- the catalog: search by a dropped photo ----------------------------------
const drop = document.getElementById("drop");
if (drop) {
  const results = document.getElementById("results");
  const search = (file) => {
    const reader = new FileReader();
    reader.onload = async () => {
      document.getElementById("search-error").hidden = true;
      const image = String(reader.result).split(",")[1];
      const response = await fetch(`${base}/search`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ image }),
      });
      if (response.ok) {
        results.innerHTML = await response.text();
      } else {
        showError("search-error", await errorOf(response));
      }
    };
    reader.readAsDataURL(file);
  };
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    if (event.dataTransfer.files.length) search(event.dataTransfer.files[0]);
  });
  document.getElementById("photo-file").addEventListener("change", (event) => {
    if (event.target.files.length) search(event.target.files[0]);
  });
}

// -- the controls: JSON to the admin endpoints --------------------------------
const number = (form, name) => {
  const value = form.elements[name]?.value;
  return value === undefined || value === "" ? undefined : Number(value);
};

function controlBody(form) {
  if (form.id === "add-fault") {
    const kind = form.elements.kind.value;
    const fault = { kind };
    if (form.elements.method.value) fault.method = form.elements.method.value;
    if (number(form, "times") !== undefined) fault.times = number(form, "times");
    if (number(form, "probability") !== 1) fault.probability = number(form, "probability");
    if (kind === "platform_error") fault.code = number(form, "code");
    if (kind === "http_error") fault.status = number(form, "status");
    if (kind === "latency") fault.delay = number(form, "delay");
    return fault;
  }
  if (form.id === "set-limits") {
    const limits = { qps: number(form, "qps") ?? null, daily_quota: number(form, "daily_quota") ?? null };
    if (form.elements.app_key.value) limits.app_key = form.elements.app_key.value;
    return limits;
  }
  return undefined;
}

for (const form of document.querySelectorAll("form.control")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = controlBody(form);
    const response = await fetch(form.dataset.endpoint, {
      method: form.dataset.method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.ok) {
      location.reload();
    } else {
      showError("control-error", await errorOf(response));
    }
  });
}

// -- signing in: the admin token, sent once as JSON; the fake answers with a cookie -------
const login = document.getElementById("login");
if (login) {
  login.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch(`${base}/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: login.elements.token.value }),
    });
    if (response.ok) {
      location.assign(login.dataset.next);
    } else {
      showError("login-error", await errorOf(response));
    }
  });
}
