// Live preview of a round design: posts the form (with its CSRF token) to the preview endpoint
// whenever a field changes, and draws the per-stratum table.
(function () {
  "use strict";
  var form = document.getElementById("round-form");
  if (!form) { return; }
  var box = document.getElementById("preview");
  var status = document.getElementById("preview-status");
  var english = (document.documentElement.lang || "").indexOf("en") === 0;
  var T = english
    ? { stratum: "Stratum", completes: "Completes", issued: "Issued", drawn: "Drawn", rate: "Completes per number", total: "Total", wait: "Calculating…", missing: " units lack a stratum value", excluded: " numbers left out (recent rounds)", erased: " numbers erased after the retention period", rateOf: "Expected completes per number: " }
    : { stratum: "分层", completes: "成功样本", issued: "需拨号码", drawn: "抽取号码", rate: "预期成功率", total: "合计", wait: "计算中…", missing: " 个号码缺少分层变量值", excluded: " 个号码因近期轮次已拨打而排除", erased: " 个号码已过保存期限删除", rateOf: "预期成功率：" };
  // Rates typed into strata's rows survive each redraw of the table (and a refused submission: data-rates).
  var rates = JSON.parse(form.getAttribute("data-rates") || "{}");
  var overall = document.getElementById("completion_rate");
  var timer = null;
  function fmt(n) { return n === null || n === undefined ? "—" : Number(n).toLocaleString(english ? "en" : "zh-CN"); }
  function cell(tag, text, cls) { var c = document.createElement(tag); c.textContent = text; if (cls) { c.className = cls; } return c; }
  function rateInput(s) {
    var input = document.createElement("input");
    input.type = "text"; input.inputMode = "decimal"; input.className = "rate";
    input.name = "completion_rate." + s.key; input.id = "rate-" + s.key;
    input.value = rates[s.key] || ""; input.placeholder = overall ? overall.value : "";
    input.setAttribute("aria-label", T.rateOf + s.label);
    input.addEventListener("input", function () { rates[s.key] = input.value; });
    return input;
  }
  function render(data) {
    var focused = document.activeElement && document.activeElement.classList.contains("rate") ? document.activeElement : null;
    var caret = focused ? focused.selectionStart : null;
    // A refused design keeps the last table (dimmed), so the rates typed into it stay in the form.
    if (!data.ok) { status.textContent = data.message; status.className = "flash flash-error"; box.classList.add("stale"); return; }
    box.classList.remove("stale");
    box.textContent = "";
    status.className = "hint";
    var notes = [];
    if (data.missing) { notes.push(fmt(data.missing) + T.missing); }
    if (data.excluded) { notes.push(fmt(data.excluded) + T.excluded); }
    if (data.erased) { notes.push(fmt(data.erased) + T.erased); }
    status.textContent = notes.concat(data.warnings).join(" · ");
    var table = document.createElement("table"); table.className = "grid";
    var head = table.createTHead().insertRow();
    [T.stratum, "Nh", T.completes, T.rate, T.issued, T.drawn, "± (p=0.5)"].forEach(function (h, i) { head.appendChild(cell("th", h, i ? "num" : "")); });
    var body = table.createTBody();
    data.strata.forEach(function (s) {
      var r = body.insertRow();
      r.appendChild(cell("td", s.label));
      [fmt(s.population), fmt(s.target)].forEach(function (v) { r.appendChild(cell("td", v, "num")); });
      var rateCell = cell("td", "", "num"); rateCell.appendChild(rateInput(s)); r.appendChild(rateCell);
      [fmt(s.issued), fmt(s.selected), s.moe === null ? "—" : s.moe + "%"].forEach(function (v) { r.appendChild(cell("td", v, "num")); });
    });
    var foot = table.createTFoot().insertRow();
    foot.appendChild(cell("th", T.total));
    [fmt(data.totals.population), fmt(data.totals.target), ""].forEach(function (v) { foot.appendChild(cell("th", v, "num")); });
    [fmt(data.totals.issued), fmt(data.totals.selected), data.moe === null ? "—" : data.moe + "%"].forEach(function (v) { foot.appendChild(cell("th", v, "num")); });
    box.appendChild(table);
    if (focused) {  // the coordinator was typing a rate: keep the cursor where it was
      var again = document.getElementById(focused.id);
      if (again) { again.focus(); again.setSelectionRange(caret, caret); }
    }
  }
  function refresh() {
    status.textContent = T.wait;
    fetch(form.getAttribute("data-preview-url"), { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); }).then(render)
      .catch(function () { status.textContent = "?"; });
  }
  form.addEventListener("input", function () { window.clearTimeout(timer); timer = window.setTimeout(refresh, 350); });
  form.addEventListener("change", function () { window.clearTimeout(timer); timer = window.setTimeout(refresh, 100); });
  refresh();
})();
