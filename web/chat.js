/* Opens rasa-webchat (served by the bot from web/node_modules) on the /chat page.
 * The conversation lives in localStorage and in the bot's tracker (socket.io session
 * persistence), so a reload shows the history and follow-ups still refer to the last
 * answer. ?fast shows replies without the widget's typing delay (used by the tests). */
(function () {
  "use strict";
  var query = new URLSearchParams(window.location.search);
  var options = {
    socketUrl: window.location.origin,
    socketPath: "/socket.io/",
    initPayload: "/greet",
    customData: { language: "en" },
    embedded: true,
    hideWhenNotConnected: false,
    title: "Career bot",
    subtitle: "ML engineering careers, with sources",
    inputTextFieldHint: "Ask about pay, skills, degrees...",
    showMessageDate: false,
    params: { storage: "local" }
  };
  if (query.has("fast")) {
    options.customMessageDelay = function () { return 0; };
  }
  window.WebChat.default(options, document.getElementById("chat"));

  // Source links open in a new tab without giving the new page a handle on this one.
  // (The widget already sets this on links in bot messages; this keeps it so.)
  function fixLinks(root) {
    var links = root.querySelectorAll ? root.querySelectorAll(".rw-message a[href]") : [];
    for (var i = 0; i < links.length; i++) {
      links[i].setAttribute("target", "_blank");
      links[i].setAttribute("rel", "noopener noreferrer");
    }
  }
  new MutationObserver(function () { fixLinks(document); })
    .observe(document.getElementById("chat"), { childList: true, subtree: true });
})();
