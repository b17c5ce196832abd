// Abri's progressive enhancement: the pages work without it.
// The inbox: new messages arrive live from the notifications stream (Server-Sent Events through the
// gateway, with the session cookie), are added at the top, and are announced to screen readers.
(function () {
  "use strict";

  function messageItem(message, unreadLabel, openLabel) {
    var item = document.createElement("li");
    item.className = "abri-inbox__item abri-inbox__item--unread";
    item.lang = message.language;
    item.dir = message.direction;
    var title = document.createElement("h2");
    title.className = "fr-h6 fr-mb-1w";
    title.textContent = message.subject;
    var badge = document.createElement("p");
    badge.className = "fr-badge fr-badge--sm fr-badge--new";
    badge.textContent = unreadLabel;
    var when = document.createElement("p");
    when.className = "fr-text--sm fr-mb-1w";
    when.textContent = new Date(message.created_at).toLocaleString(document.documentElement.lang);
    var text = document.createElement("p");
    text.className = "abri-inbox__text";
    text.textContent = message.text;
    item.append(title, badge, when, text);
    if (message.link && message.link.charAt(0) === "/" && message.link.charAt(1) !== "/" && message.link.charAt(1) !== "\\") {  // a page of this site only
      var open = document.createElement("a");
      open.className = "fr-link fr-icon-arrow-right-line fr-link--icon-right";
      open.href = message.link;
      open.textContent = openLabel;
      var where = document.createElement("p");
      where.className = "fr-mb-1w";
      where.append(open);
      item.append(where);
    }
    return item;
  }

  function liveInbox(list) {
    if (!window.EventSource) return;
    var live = document.getElementById("inbox-live");
    var seen = new Set();
    var source = new EventSource(list.dataset.liveInbox);
    source.addEventListener("message", function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (seen.has(message.id) || document.querySelector('[data-message-id="' + message.id + '"]')) return;
      seen.add(message.id);
      var empty = list.querySelector(".abri-inbox__empty");
      if (empty) empty.remove();
      var item = messageItem(message, list.dataset.unreadLabel, list.dataset.openLabel);
      item.dataset.messageId = message.id;
      list.prepend(item);
      if (live) live.textContent = live.dataset.newMessage.replace("%(subject)s", message.subject);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.querySelector("[data-live-inbox]");
    if (list) liveInbox(list);
    var errors = document.getElementById("form-errors");
    if (errors) errors.focus();
  });
})();
