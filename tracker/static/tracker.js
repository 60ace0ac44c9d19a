// GOV.UK Frontend's behaviour (error summary focus, character counts, details, service navigation) on every page.
// A module, so that the Content-Security-Policy's script-src 'self' admits it without inline script.
import { initAll } from "./build/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// "Print this page" needs the script, so it shows only where the script runs.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
