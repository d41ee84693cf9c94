// Refresh when the bot changed something this person sees, unless they are typing; type-ahead
// for external selects (block_suggestion); overflow menus submit when picked, as in Slack.
(function () {
  "use strict";
  var dirty = false;
  document.addEventListener("input", function () { dirty = true; });
  var version = document.body.dataset.version;
  setInterval(function () {
    var busy = document.activeElement && /^(SELECT|TEXTAREA|INPUT)$/.test(document.activeElement.tagName);
    if (dirty || busy || document.querySelector("details[open]")) return;
    fetch("/version", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (d) { if (d.version !== version && !dirty) location.reload(); })
      .catch(function () {});
  }, 1500);

  var modal = document.querySelector(".modal");
  if (modal) {
    var first = modal.querySelector("[aria-invalid=true], input:not([type=hidden]), textarea, select, [autofocus], button");
    if (first) first.focus();
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && !document.querySelector(".confirm")) {
        var close = modal.querySelector("form[action='/view/close'] button");
        if (close) close.click();
      }
    });
  }

  // As in Slack: Enter sends, Shift+Enter makes a new line.
  document.querySelectorAll(".composer textarea").forEach(function (box) {
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        if (box.value.trim()) box.form.requestSubmit();
      }
    });
  });

  document.querySelectorAll("select.autosubmit").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });

  document.querySelectorAll("input.typeahead").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var target = document.getElementById(input.dataset.target);
    var found = [];
    input.addEventListener("input", function () {
      target.value = "";
      var match = found.filter(function (o) { return o.label === input.value; })[0];
      if (match) { target.value = match.value; return; }
      if (input.value.length < Number(input.dataset.min)) return;
      var q = new URLSearchParams({ view_id: input.dataset.view, action_id: input.dataset.action, q: input.value });
      fetch("/suggest?" + q, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (options) {
          found = options;
          list.replaceChildren.apply(list, options.map(function (o) {
            var el = document.createElement("option");
            el.value = o.label;
            if (o.group) el.label = o.group;
            return el;
          }));
          var exact = options.filter(function (o) { return o.label === input.value; })[0];
          if (exact) target.value = exact.value;
        })
        .catch(function () {});
    });
  });
})();
