/* Claimtrace pages: progressive enhancements only; every page works without this file. */
(function () {
  "use strict";

  // Sensitive evidence: blurred until the viewer asks to see it (and hidden from screen
  // readers until then). The button toggles, so it can be blurred again.
  function setupSensitive(root) {
    root.querySelectorAll("[data-reveal]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("aria-controls"));
        if (!target) return;
        var reveal = target.classList.contains("blurred");
        target.classList.toggle("blurred", !reveal);
        target.setAttribute("aria-hidden", reveal ? "false" : "true");
        button.setAttribute("aria-expanded", reveal ? "true" : "false");
        button.textContent = reveal ? "Hide sensitive evidence" : "Show sensitive evidence";
      });
    });
  }

  // Inline formsets: "Add a citation" copies the template row with the next index.
  function setupFormsets(root) {
    root.querySelectorAll("[data-formset]").forEach(function (formset) {
      var prefix = formset.getAttribute("data-formset");
      var total = formset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
      var template = formset.querySelector("template[data-empty-row]");
      var rows = formset.querySelector("[data-rows]");
      var add = formset.querySelector("[data-add-row]");
      if (!total || !template || !rows || !add) return;
      add.hidden = false;
      add.addEventListener("click", function () {
        var index = parseInt(total.value, 10);
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var row = holder.firstElementChild;
        var legend = row.querySelector("legend");
        if (legend) legend.textContent = legend.textContent.replace("(new)", String(index + 1));
        rows.appendChild(row);
        total.value = String(index + 1);
        var first = row.querySelector("select, input:not([type=hidden]), textarea");
        if (first) first.focus();
      });
    });
  }

  // On a form with errors, bring the summary into view for keyboard and screen-reader users.
  function focusErrors() {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupSensitive(document);
    setupFormsets(document);
    focusErrors();
  });
})();
