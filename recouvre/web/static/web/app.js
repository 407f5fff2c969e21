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
