// Live preview for the letter template editor. Sends the text to the server's sandbox
// and shows problems, language suggestions and the sample rendering as plain text.
(function () {
  "use strict";
  var form = document.getElementById("template-form");
  if (!form) { return; }
  var url = form.getAttribute("data-preview-url");
  var token = form.querySelector("input[name=csrf_token]");
  var subject = form.querySelector("[name=subject]");
  var body = form.querySelector("[name=body]");
  var timer = null;

  function list(id, items, okText) {
    var ul = document.getElementById(id);
    while (ul.firstChild) { ul.removeChild(ul.firstChild); }
    if (!items.length) { items = [okText]; }
    items.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      if (text === okText) { li.className = "ok"; }
      ul.appendChild(li);
    });
  }

  function update() {
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token ? token.value : ""},
      body: JSON.stringify({subject: subject.value, body: body.value})
    }).then(function (r) { return r.json(); }).then(function (data) {
      var problems = (data.problems || []).map(function (p) {
        return p.part + (p.line ? " line " + p.line : "") + ": " + p.message;
      });
      list("problems", problems, "None");
      var lang = (data.language || []).map(function (f) {
        return "line " + f.line + ": \u201c" + f.matched + "\u201d: consider " + f.suggestions.join(" or ");
      });
      list("language", lang, "No suggestions.");
      document.getElementById("preview-subject").textContent = data.preview ? data.preview.subject : "";
      document.getElementById("preview-body").textContent = data.preview ? data.preview.body : "";
    });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(update, 300);
  }
  subject.addEventListener("input", schedule);
  body.addEventListener("input", schedule);
})();
