// Recouvre collections pages: "select all" checkboxes of the approval queue, and the live preview of the
// template editor (the text being typed, rendered for a real customer, fetched a moment after typing stops).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-check-all]").forEach(function (all) {
    all.addEventListener("change", function () {
      all.form.querySelectorAll('input[name="' + all.dataset.checkAll + '"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });

  var form = document.getElementById("template-form");
  if (!form) return;
  var url = form.dataset.previewUrl;
  var subject = form.querySelector('[name="subject"]');
  var body = form.querySelector('[name="body"]');
  var customer = document.getElementById("preview-customer");
  var error = document.getElementById("preview-error");
  var timer = null;
  var sequence = 0;

  function refresh() {
    if (!customer.value) return;
    var mine = ++sequence;
    var data = new FormData();
    data.append("customer", customer.value);
    data.append("subject", subject.value);
    data.append("body", body.value);
    data.append("csrfmiddlewaretoken", form.querySelector('[name="csrfmiddlewaretoken"]').value);
    fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (result) {
        if (mine !== sequence) return; // an older answer arriving late
        if (result.error) {
          error.hidden = false;
          error.textContent = result.error;
          error.dataset.line = result.line || "";
          return;
        }
        error.hidden = true;
        document.getElementById("preview-subject").textContent = result.subject;
        document.getElementById("preview-to").textContent = result.to;
        document.getElementById("preview-text").textContent = result.text;
        document.getElementById("preview-html").srcdoc = result.html;
      });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }

  subject.addEventListener("input", later);
  body.addEventListener("input", later);
  customer.addEventListener("change", refresh);
  refresh();
});
