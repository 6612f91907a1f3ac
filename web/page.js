/* The /chat page: the chat fills the page below the introduction; the introduction's
 * "New conversation" button starts over. */
(function () {
  "use strict";
  window.CareerChat.start(document.getElementById("chat"), {
    socketUrl: window.location.origin,
    restartButton: document.getElementById("new-conversation")
  });
})();
