// Recouvre: submit the organization and language selectors as soon as they change.
// Without JavaScript the forms keep their own submit buttons.
document.addEventListener("DOMContentLoaded", function () {
  document.documentElement.classList.add("js");
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
});

// Worklist: in the form closing a task, show only the fields of the outcome chosen (promise, dispute).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-outcome-form]").forEach(function (form) {
    var outcome = form.querySelector("select[name=outcome]");
    if (!outcome) return;
    function show() {
      form.querySelectorAll("[data-outcomes]").forEach(function (field) {
        field.hidden = field.getAttribute("data-outcomes").split(" ").indexOf(outcome.value) < 0;
      });
    }
    outcome.addEventListener("change", show);
    show();
  });
});

// Cash by hand: the table of open invoices filled oldest due first as the payment's amount is typed, until an
// amount of the table is changed by hand, which chooses "as entered in the table". Without JavaScript the server
// applies oldest first by itself.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-cash-grid]").forEach(function (form) {
    var amount = form.querySelector("input[name=amount]");
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input[data-open]"));
    var touched = false;
    function cents(text) {
      var s = (text || "").replace(/[\s\u00a0\u202f€]/g, "");
      if (s.indexOf(",") >= 0 && s.indexOf(".") >= 0) s = s.replace(/\./g, "");
      var n = parseFloat(s.replace(",", "."));
      return isNaN(n) ? 0 : Math.round(n * 100);
    }
    function fill() {
      if (touched) return;
      var left = cents(amount.value);
      inputs.forEach(function (input) {
        var part = Math.max(0, Math.min(left, cents(input.getAttribute("data-open"))));
        input.value = part > 0 ? (part / 100).toFixed(2) : "";
        left -= part;
      });
    }
    if (amount) amount.addEventListener("input", fill);
    inputs.forEach(function (input) {
      input.addEventListener("input", function () {
        touched = true;
        var choice = form.querySelector("input[name=apply][value=invoices]");
        if (choice) choice.checked = true;
      });
    });
  });
});

// Customer page: a button of the action bar opens the folded section and the form it points to, and a link to a
// part of the page (#formal-notice) opens the sections around it. Without JavaScript the link still leads there and
// the section is opened by hand.
document.addEventListener("DOMContentLoaded", function () {
  function reveal(target) {
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
  }
  function go(id, focus) {
    var target = document.getElementById(id);
    if (!target) return false;
    reveal(target);
    target.scrollIntoView({ block: "start" });
    if (focus) {
      var field = target.querySelector("input:not([type=hidden]), select, textarea");
      if (field) field.focus({ preventScroll: true });
    }
    return true;
  }
  document.querySelectorAll("a[data-opens]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (go(link.getAttribute("data-opens"), true)) {
        event.preventDefault();
        history.replaceState(null, "", "#" + link.getAttribute("data-opens"));
      }
    });
  });
  if (location.hash.length > 1 && document.querySelector(".cust-section")) {
    go(decodeURIComponent(location.hash.slice(1)), false);
  }
});

// The search box of the top bar: "/" puts the cursor in it, unless one is typing in a field.
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
  if (tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable)) return;
  var box = document.getElementById("global-search");
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});

// Customer list: the box in the header ticks or unticks every customer of the page.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-pick-all]").forEach(function (all) {
    var form = all.form || all.closest("form");
    if (!form) return;
    all.addEventListener("change", function () {
      form.querySelectorAll("input[name=ids]").forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
});
