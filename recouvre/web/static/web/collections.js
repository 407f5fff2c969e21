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
  if (!form || !form.dataset.previewUrl) return;
  var url = form.dataset.previewUrl;
  var subject = form.querySelector('[name="subject"]');
  var body = form.querySelector('[name="body"]');
  var customer = document.getElementById("preview-customer");
  var error = document.getElementById("preview-error");
  var timer = null;
  var sequence = 0;

  var fields = function () {
    return {
      customer: customer.value,
      subject: subject.value,
      body: body.value,
      csrfmiddlewaretoken: form.querySelector('[name="csrfmiddlewaretoken"]').value,
    };
  };

  // The HTML part is a document of its own (its inline styles are not allowed in this page): the same fields,
  // posted into the sandboxed frame.
  function showHtml(values) {
    var post = document.createElement("form");
    post.method = "post";
    post.action = url;
    post.target = "preview-html";
    post.hidden = true;
    values.format = "html";
    Object.keys(values).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = values[name];
      post.appendChild(input);
    });
    document.body.appendChild(post);
    post.submit();
    post.remove();
  }

  function refresh() {
    if (!customer.value) return;
    var mine = ++sequence;
    var values = fields();
    var data = new FormData();
    Object.keys(values).forEach(function (name) { data.append(name, values[name]); });
    fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.statusText);
        return response.json();
      })
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
        showHtml(values);
      })
      .catch(function (failure) {
        if (mine !== sequence) return;
        error.hidden = false;
        error.textContent = form.dataset.previewFailed + " (" + failure.message + ")";
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
