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
