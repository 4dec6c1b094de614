// pprof-tools -weblist: a click on a source line with code shows or hides
// the instructions that follow it (the page's <pre> elements call this).
function pprof_toggle_asm(event) {
  var line = event && event.target;
  while (line && !(line.classList && line.classList.contains("livesrc"))) {
    line = line.parentNode;
  }
  if (!line) return;
  var asm = line.nextElementSibling;
  if (!asm || !asm.classList.contains("asm")) return;
  var open = asm.classList.toggle("open");
  line.classList.toggle("open", open);
  event.preventDefault();
}
