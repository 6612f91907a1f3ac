/* The career bot on any web page. A site owner pastes one tag:
 *
 *   <script src="https://BOT/chat/widget.js"></script>
 *
 * and a chat bubble appears in the bottom right corner; it opens the same chat as the
 * bot's /chat page. Everything comes from the bot's origin, read from this script's own
 * src: the widget bundle, chat.js, the styles and the socket.io connection. The bot
 * accepts that connection only if the page's origin is listed in its WEB_ALLOWED_ORIGINS.
 *
 * Nothing else is loaded and no connection is made until the bubble is first opened.
 * The conversation is kept like on /chat (localStorage of the page's origin), and a chat
 * left open is opened again when the page reloads (sessionStorage).
 * Keyboard: the bubble is a button; Escape closes the chat and returns to it.
 */
(function () {
  "use strict";
  if (window.CareerBotWidget) return; // pasted twice
  var script = document.currentScript;
  if (!script) { // loaded in a way that leaves no currentScript: the last tag naming this file
    var tags = document.querySelectorAll('script[src*="/chat/widget.js"]');
    script = tags[tags.length - 1];
  }
  var bot = new URL(script.src, window.location.href).origin;
  var OPEN_KEY = "career-bot-open";
  var ids = { panel: "career-bot-panel", title: "career-bot-title" };
  var launcher, panel, body, restartButton, chat, loading;

  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    for (var name in attributes) node.setAttribute(name, attributes[name]);
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function load(tag, attributes) {
    return new Promise(function (resolve, reject) {
      var node = element(tag, attributes);
      node.onload = resolve;
      node.onerror = function () { reject(new Error("could not load " + (attributes.src || attributes.href))); };
      document.head.appendChild(node);
    });
  }

  function stylesheet(name) {
    return load("link", { rel: "stylesheet", href: bot + "/chat/" + name });
  }

  // The widget bundle and chat.js, once, on first opening.
  function startChat() {
    if (!loading) {
      loading = load("script", { src: bot + "/chat/webchat.js" })
        .then(function () { return load("script", { src: bot + "/chat/chat.js" }); })
        .then(function () {
          chat = window.CareerChat.start(body, { socketUrl: bot, restartButton: restartButton });
        });
      loading.catch(function () {
        body.appendChild(element("p", { "class": "cb-status", role: "status" },
                                 ["The career bot cannot be reached."]));
      });
    }
    return loading;
  }

  function remember(open) {
    try {
      if (open) window.sessionStorage.setItem(OPEN_KEY, "1");
      else window.sessionStorage.removeItem(OPEN_KEY);
    } catch (error) { /* storage off: the chat just starts closed */ }
  }

  function open(focus) {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", "Close the career bot chat");
    remember(true);
    startChat().then(function () { if (focus) chat.focus(); }, function () { /* shown in the panel */ });
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "Chat with the career bot");
    remember(false);
    launcher.focus();
  }

  function build() {
    var icon = '<svg viewBox="0 0 32 32" width="30" height="30" aria-hidden="true" focusable="false">' +
      '<path fill="currentColor" d="M6 3h20a4 4 0 0 1 4 4v13a4 4 0 0 1-4 4H14l-7 6v-6H6a4 4 0 0 1-4-4V7a4 4 0 0 1 4-4z"/></svg>';
    launcher = element("button", {
      type: "button", "class": "cb-launcher", "aria-expanded": "false",
      "aria-controls": ids.panel, "aria-label": "Chat with the career bot"
    });
    launcher.innerHTML = icon;
    restartButton = element("button", { type: "button", "class": "cb-button" }, ["New conversation"]);
    var closeButton = element("button", {
      type: "button", "class": "cb-button cb-close", "aria-label": "Close the chat"
    }, ["\u00d7"]);
    body = element("div", { "class": "cb-body" });
    panel = element("section", {
      id: ids.panel, "class": "cb-panel cb-font", role: "dialog", "aria-labelledby": ids.title
    }, [
      element("header", { "class": "cb-panel-header" }, [
        element("div", { "class": "cb-panel-title" }, [
          element("h2", { id: ids.title }, ["Career bot"]),
          element("p", {}, ["ML engineering careers, with sources"])
        ]),
        restartButton,
        closeButton
      ]),
      body
    ]);
    panel.hidden = true;
    launcher.addEventListener("click", function () {
      if (panel.hidden) open(true); else close();
    });
    closeButton.addEventListener("click", close);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") close();
    });
    var root = element("div", { "class": "cb-widget" }, [panel, launcher]);
    document.body.appendChild(root);
    var wasOpen = false;
    try { wasOpen = window.sessionStorage.getItem(OPEN_KEY) === "1"; } catch (error) { /* off */ }
    if (wasOpen) open(false);
  }

  window.CareerBotWidget = { bot: bot };
  // The bubble appears once its styles are in (and not at all if the bot is down).
  var styled = Promise.all([stylesheet("chat.css"), stylesheet("widget.css")]);
  var ready = new Promise(function (resolve) {
    if (document.body) resolve();
    else document.addEventListener("DOMContentLoaded", resolve);
  });
  Promise.all([styled, ready]).then(build, function () { /* no bot, no bubble */ });
})();
