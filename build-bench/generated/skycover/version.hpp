#pragma once
namespace skycover {
inline constexpr const char* kVersion = "0.1.0";
}
