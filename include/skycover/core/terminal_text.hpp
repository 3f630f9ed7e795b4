// Text that came from the user's files or command line, made safe to print on a terminal.
#pragma once
#include <string>
#include <string_view>

namespace skycover {

// `text` with every byte a terminal would act on shown as a visible escape: C0 controls other
// than newline and tab (ESC starts colour, title and cursor sequences; BEL rings), DEL, the C1
// controls U+0080..U+009F (a terminal may read them as CSI), and bytes that are not valid UTF-8,
// each as \xNN (C1 as \u0080..\u009f). Valid UTF-8 text passes unchanged, so names in any script
// print as typed. Every message skycover prints goes through this: a binary file named as a
// scenario or a path holding escape codes cannot recolour, retitle or clear the user's terminal.
std::string terminal_safe(std::string_view text);

}  // namespace skycover
