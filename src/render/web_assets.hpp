// The report viewer's web assets, embedded at build time (cmake/embed_web_assets.py): Leaflet
// from Debian's libjs-leaflet and skycover's viewer (src/render/web/).
#pragma once
#include <string_view>

namespace skycover::web {

std::string_view leaflet_js();
std::string_view leaflet_css();
std::string_view viewer_js();
std::string_view viewer_css();

}  // namespace skycover::web
