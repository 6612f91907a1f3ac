/* CareerChat: rasa-webchat (window.WebChat, load it first) with the career bot's settings,
 * on the /chat page (page.js) and in the embeddable bubble (widget.js):
 *
 *   var chat = CareerChat.start(element, { socketUrl: "http://127.0.0.1:5005",
 *                                          restartButton: aButton });
 *   chat.restart();  // what the button does: a new conversation
 *
 * - The conversation lives in localStorage (the widget's "chat_session": session id and
 *   messages) and in the bot's tracker (socket.io session persistence), so a reload shows
 *   the history and follow-ups still refer to the last answer.
 * - Replies appear after a short constant typing delay (TYPING_DELAY_MS), not the widget's
 *   0.8 to 3 s by length.
 * - restart() forgets the stored session and mounts a new widget: it asks the bot for a new
 *   session, starts with an empty history and sends the greeting again.
 * - What the widget lacks for keyboard and screen-reader users is added (accessible()):
 *   suggestion buttons reachable with Tab and pressed with Enter or Space, names for the
 *   input and the send button, the conversation announced as a live log.
 * - A line above the chat says when the bot cannot be reached (role="status").
 */
(function () {
  "use strict";
  var TYPING_DELAY_MS = 200;
  var SESSION_KEY = "chat_session"; // where rasa-webchat 1.0.1 keeps the conversation
  var NO_CONNECTION = "Cannot reach the career bot. Trying again...";

  function setAttributes(element, attributes) {
    for (var name in attributes) {
      if (element.getAttribute(name) !== attributes[name]) element.setAttribute(name, attributes[name]);
    }
  }

  function each(root, selector, attributes) {
    var found = root.querySelectorAll(selector);
    for (var i = 0; i < found.length; i++) setAttributes(found[i], attributes);
  }

  // Called on every change in the widget; only sets what is not set yet.
  function accessible(root) {
    // Source links open in a new tab without giving it a handle on this page.
    each(root, ".rw-message a[href]", { target: "_blank", rel: "noopener noreferrer" });
    each(root, ".rw-messages-container", {
      role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0"
    });
    each(root, ".rw-new-message", { "aria-label": "Your question" });
    each(root, ".rw-send", { "aria-label": "Send" });
    each(root, ".rw-send svg", { "aria-hidden": "true", focusable: "false" });
    each(root, ".rw-reply", { role: "button", tabindex: "0" });
  }

  function start(container, settings) {
    var status = document.createElement("p");
    status.className = "cb-status";
    status.setAttribute("role", "status");
    var mount = document.createElement("div");
    mount.className = "cb-chat";
    container.appendChild(status);
    container.appendChild(mount);

    var pending = 0; // messages the widget holds back for their typing delay
    var generation = 0;
    var wantsFocus = false;

    function typingDelay() {
      // The widget shows the message TYPING_DELAY_MS after asking; restart() waits for it.
      pending += 1;
      setTimeout(function () { pending -= 1; }, TYPING_DELAY_MS + 1);
      return TYPING_DELAY_MS;
    }

    function focusInput() { // now, or once the input is there and enabled (connected)
      var input = mount.querySelector(".rw-new-message");
      wantsFocus = !input || input.disabled;
      if (!wantsFocus) input.focus();
    }

    function render() {
      generation += 1;
      window.WebChat.default({
        key: "conversation-" + generation, // a new key makes React mount a new widget
        socketUrl: settings.socketUrl,
        socketPath: "/socket.io/",
        initPayload: "/greet",
        customData: { language: "en" },
        embedded: true,
        withRules: false,
        hideWhenNotConnected: false,
        title: "Career bot",
        subtitle: "ML engineering careers, with sources",
        inputTextFieldHint: "Ask about pay, skills, degrees...",
        showMessageDate: false,
        params: { storage: "local" },
        customMessageDelay: typingDelay,
        onSocketEvent: {
          connect: function () { status.textContent = ""; },
          connect_error: function () { status.textContent = NO_CONNECTION; }
        }
      }, mount);
    }

    function restart() {
      if (pending > 0) { // a message still on its way would land in the new conversation
        setTimeout(restart, TYPING_DELAY_MS);
        return;
      }
      try { window.localStorage.removeItem(SESSION_KEY); } catch (error) { /* storage off */ }
      render();
      focusInput();
    }

    new MutationObserver(function () {
      accessible(mount);
      if (wantsFocus) focusInput();
    }).observe(mount, { childList: true, subtree: true, attributes: true, attributeFilter: ["disabled"] });

    // Suggestion buttons are <div>s with a click handler: Enter and Space press them too.
    mount.addEventListener("keydown", function (event) {
      var reply = event.target.closest && event.target.closest(".rw-reply");
      if (reply && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        reply.click();
        focusInput();
      }
    });

    if (settings.restartButton) settings.restartButton.addEventListener("click", restart);
    render();
    return { restart: restart, focus: focusInput };
  }

  window.CareerChat = { start: start };
})();
