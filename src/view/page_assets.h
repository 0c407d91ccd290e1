#pragma once
// The viewer page's sources (src/view/page/), compiled in by
// src/view/embed_page.cmake.

#include <span>
#include <string>
#include <string_view>

namespace onnxkit::view::detail {

/// One file, as consecutive pieces of its text (each below the length of
/// string literal that compilers must accept).
struct PageAsset {
  std::string_view name;
  std::span<const std::string_view> pieces;
};

std::span<const PageAsset> page_assets();

/// The text of the asset `name` ("viewer.js"); empty when there is none.
std::string page_asset(std::string_view name);

}  // namespace onnxkit::view::detail
