// The keyboard-first interview. One question at a time: digits choose (0 = don't know), Enter
// continues, Backspace goes back, Esc records a break-off. Conditions and screening are applied as
// the questionnaire says; the server checks everything again. Paradata: seconds per question and
// back-edits. The submission carries an idempotency key, so a retry after a network error is safe.
(function () {
  const root = document.getElementById("interview");
  if (!root) return;
  const questions = Array.from(root.querySelectorAll("article.cati-question"));
  const end = document.getElementById("q-end");
  const status = document.getElementById("interview-status");
  const progress = document.getElementById("progress");
  const answers = {};
  const seconds = {};
  const path = []; // indexes of the questions shown, in order
  let current = -1, shownAt = Date.now(), backEdits = 0, ended = false, sending = false;
  const startedAt = new Date().toISOString();

  const code = (q) => q.dataset.code;
  const applies = (q) => {
    const on = q.dataset.conditionQuestion;
    if (!on) return true;
    const given = answers[on];
    if (given === undefined) return false;
    const wanted = q.dataset.conditionOptions.split(" ");
    return (Array.isArray(given) ? given : [given]).some((v) => wanted.includes(v));
  };
  const screensOut = (q, value) => {
    if (q.dataset.screening !== "1") return false;
    if (q.dataset.type === "number") {
      const lo = q.dataset.eligibleMin, hi = q.dataset.eligibleMax;
      return (lo !== undefined && value < Number(lo)) || (hi !== undefined && value > Number(hi));
    }
    const input = q.querySelector(`input[value="${CSS.escape(value)}"]`);
    return !!(input && input.dataset.ineligible);
  };
  const focusIn = (q) => {
    const field = q.querySelector("textarea, input[type=number]");
    if (field) field.focus(); else q.focus();
  };
  const show = (index) => {
    questions.forEach((q) => { q.hidden = true; q.classList.remove("current"); });
    end.hidden = index < questions.length;
    if (current >= 0 && current < questions.length) {
      const c = code(questions[current]);
      seconds[c] = (seconds[c] || 0) + (Date.now() - shownAt) / 1000;
    }
    current = index;
    shownAt = Date.now();
    if (index < questions.length) {
      const q = questions[index];
      q.hidden = false; q.classList.add("current"); q.tabIndex = -1;
      focusIn(q);
    } else {
      document.getElementById("submit-interview").focus();
    }
    progress.textContent = `${Math.min(path.length + 1, questions.length)} / ${questions.length}`;
  };
  const nextIndex = (from) => {
    if (ended) return questions.length;
    for (let i = from + 1; i < questions.length; i++) if (applies(questions[i])) return i;
    return questions.length;
  };
  const forward = () => { path.push(current); show(nextIndex(current)); };
  const back = () => {
    if (!path.length) return;
    backEdits += 1; ended = false;
    show(path.pop());
  };
  const record = (q, value) => {
    const c = code(q);
    if (value === undefined || value === "" || (Array.isArray(value) && !value.length)) delete answers[c];
    else answers[c] = value;
    // answers to questions that no longer apply are dropped, as the server would refuse them
    questions.forEach((other) => { if (answers[code(other)] !== undefined && !applies(other)) delete answers[code(other)]; });
    ended = value !== undefined && screensOut(q, value);
  };
  const choose = (q, key) => {
    const input = q.querySelector(`input[data-key="${key}"]`);
    if (!input) return false;
    if (q.dataset.type === "multiple") {
      input.checked = !input.checked;
      record(q, Array.from(q.querySelectorAll("input:checked")).map((i) => i.value));
      return true;
    }
    input.checked = true;
    record(q, input.value);
    forward();
    return true;
  };
  const commitField = (q) => {
    const type = q.dataset.type;
    if (type === "number") {
      const field = q.querySelector("input[type=number]");
      if (field.value === "") { if (q.dataset.required === "1") return false; record(q, undefined); return true; }
      const value = Number(field.value);
      if (!field.checkValidity() || Number.isNaN(value)) { field.reportValidity(); return false; }
      record(q, value);
      return true;
    }
    if (type === "text") { record(q, q.querySelector("textarea").value.trim() || undefined); return true; }
    if (type === "multiple") return true;
    return answers[code(q)] !== undefined || q.dataset.required !== "1";
  };
  const submit = async (outcome) => {
    if (sending) return;
    sending = true;
    if (current < questions.length && current >= 0) commitField(questions[current]);
    const body = { idempotency_key: root.dataset.key, outcome, answers,
                   paradata: { started_at: startedAt, ended_at: new Date().toISOString(), seconds, back_edits: backEdits } };
    status.hidden = false; status.className = "flash"; status.textContent = "…";
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const response = await fetch(root.dataset.submitUrl, { method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf }, body: JSON.stringify(body) });
        const result = await response.json();
        if (response.ok) { status.textContent = "✓"; window.location.assign(result.next); return; }
        status.className = "flash flash-error";
        status.textContent = result.error + (result.details || []).map((d) => ` · ${d.field}: ${d.message}`).join("");
        sending = false;
        return;
      } catch (error) { // the network: the same key makes a retry safe
        await new Promise((r) => setTimeout(r, 1000 * (attempt + 1)));
      }
    }
    status.className = "flash flash-error"; status.textContent = "network"; sending = false;
  };
  document.getElementById("submit-interview").addEventListener("click", () => submit("complete"));
  questions.forEach((q) => q.querySelectorAll("input[type=radio], input[type=checkbox]").forEach((input) =>
    input.addEventListener("change", () => {
      if (q.dataset.type === "multiple") record(q, Array.from(q.querySelectorAll("input:checked")).map((i) => i.value));
      else { record(q, input.value); forward(); }
    })));
  document.addEventListener("keydown", (event) => {
    if (event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return; // an IME is composing
    const q = current < questions.length ? questions[current] : null;
    const inText = document.activeElement && ["TEXTAREA", "INPUT"].includes(document.activeElement.tagName) &&
      ["textarea", "number"].includes(document.activeElement.type || document.activeElement.tagName.toLowerCase());
    if (event.key === "Escape") { event.preventDefault(); submit("breakoff"); return; }
    if (event.key === "Enter" && !(inText && event.shiftKey)) {
      event.preventDefault();
      if (!q) { submit("complete"); return; }
      if (commitField(q)) forward();
      return;
    }
    if (event.key === "Backspace" && (!inText || document.activeElement.value === "")) { event.preventDefault(); back(); return; }
    if (q && !inText && /^[0-9]$/.test(event.key)) { event.preventDefault(); choose(q, event.key); }
  });
  setInterval(() => fetch(root.dataset.touchUrl, { method: "POST", credentials: "same-origin",
    headers: { "X-CSRFToken": root.dataset.csrf } }), 60000);
  show(nextIndex(-1));
})();
