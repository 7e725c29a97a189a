/* SPDX-License-Identifier: MIT */
/* Runs before the first paint (a classic script in <head>): applies the theme the signed-in
 * user chose last time on this device, so a dark page does not flash light while the app
 * asks the server. app.js keeps the stored value in step with the user's settings. */
(function () {
  try {
    var t = window.localStorage.getItem('pete-theme');
    if (t === 'light' || t === 'dark') document.documentElement.setAttribute('data-theme', t);
  } catch (e) { /* storage disabled: the system theme applies */ }
})();
