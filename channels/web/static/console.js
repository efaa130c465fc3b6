// Keyboard shortcuts for the reviewer console. Keys do nothing while you type in a field.
(() => {
  const typing = (e) => ["INPUT", "TEXTAREA", "SELECT"].includes(e.target.tagName);
  const submit = (id) => { const f = document.getElementById(id); if (f) f.requestSubmit(); };
  const focus = (id) => { const el = document.getElementById(id); if (el) { el.focus(); el.select?.(); } };
  const rows = [...document.querySelectorAll("tr[data-href]")];
  let sel = 0;
  const mark = () => rows.forEach((r, i) => r.classList.toggle("selected", i === sel));
  if (rows.length) mark();
  rows.forEach((r, i) => r.addEventListener("click", () => { sel = i; location.href = r.dataset.href; }));

  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.form) { e.preventDefault(); e.target.form.requestSubmit(); return; }
    if (e.key === "Escape" && typing(e)) { e.target.blur(); return; }
    if (typing(e) || e.altKey || e.ctrlKey || e.metaKey) return;
    const k = e.key;
    if (rows.length && (k === "j" || k === "k")) { sel = Math.max(0, Math.min(rows.length - 1, sel + (k === "j" ? 1 : -1))); mark(); rows[sel].scrollIntoView({block: "nearest"}); }
    else if (rows.length && k === "Enter") location.href = rows[sel].dataset.href;
    else if (k === "n") submit("next-form");
    else if (k === "a") submit("approve-form");
    else if (k === "e") { e.preventDefault(); focus("edit-text"); }
    else if (k === "r") { e.preventDefault(); focus("reject-reason"); }
    else if (k === "c") submit("claim-form");
    else if (k === "u") location.href = "/review";
    else if (k === "?") document.getElementById("keys")?.toggleAttribute("hidden");
  });
})();
