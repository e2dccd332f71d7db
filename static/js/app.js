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
        setupLookups(row);
        total.value = String(index + 1);
        var first = row.querySelector("select, input:not([type=hidden]), textarea");
        if (first) first.focus();
      });
    });
  }

  // Large tables (publications, units, sources, places): the server renders only the chosen
  // option(s) of such a <select data-lookup="/api/…/">; a search box put before it fills it
  // with the API's matches as the user types (core.forms.LookupSelect).
  function describe(record) {
    if (record.title) {
      // As a publication names itself on the server: "Source: Title (date)".
      var source = record.source && record.source.name ? record.source.name + ": " : "";
      var date = record.published_display ? " (" + record.published_display + ")" : "";
      return source + record.title + date;
    }
    var text = record.name || String(record.id);
    if (record.abbreviation) text += " (" + record.abbreviation + ")";
    if (record.country) text += " \u00b7 " + record.country;
    return text;
  }

  function fillLookup(select, results) {
    // Keep the blank option and the chosen records; the matches replace the rest.
    Array.prototype.slice.call(select.options).forEach(function (option) {
      if (option.value && !option.selected) option.remove();
    });
    var present = {};
    Array.prototype.forEach.call(select.options, function (option) {
      present[option.value] = true;
    });
    results.forEach(function (record) {
      var value = String(record.id);
      if (!present[value]) select.add(new Option(describe(record), value));
    });
  }

  function setupLookups(root) {
    root.querySelectorAll("select[data-lookup]").forEach(function (select) {
      if (select.hasAttribute("data-lookup-ready")) return;
      select.setAttribute("data-lookup-ready", "");
      var label = select.id ? document.querySelector("label[for='" + select.id + "']") : null;
      var search = document.createElement("input");
      search.type = "search";
      search.className = "lookup-search";
      search.placeholder = "Type two letters or more to search";
      search.setAttribute(
        "aria-label",
        "Search " + (label ? label.textContent.replace("*", "").trim() : "records")
      );
      if (select.id) search.setAttribute("aria-controls", select.id);
      select.parentNode.insertBefore(search, select);
      var status = document.createElement("span");
      status.className = "lookup-status";
      status.setAttribute("role", "status");
      select.parentNode.insertBefore(status, select.nextSibling);
      var timer = null;
      var latest = 0;
      search.addEventListener("input", function () {
        clearTimeout(timer);
        var text = search.value.trim();
        if (text.length < 2) return;
        timer = setTimeout(function () {
          var ticket = ++latest;
          var url = select.getAttribute("data-lookup") +
            "?brief=1&page_size=20&search=" + encodeURIComponent(text);
          fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
            .then(function (response) { return response.ok ? response.json() : { results: [] }; })
            .then(function (data) {
              if (ticket !== latest) return;  // an older answer after a newer question
              var results = data.results || [];
              fillLookup(select, results);
              status.textContent = results.length ?
                results.length + (results.length === 20 ? "+" : "") + " found: choose one below" :
                "Nothing found";
            })
            .catch(function () { status.textContent = "The search failed; try again"; });
        }, 250);
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
    setupLookups(document);
    focusErrors();
  });
})();
