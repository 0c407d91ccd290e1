// `onnxkit`: dispatches to the subcommands and turns every failure into one
// line on standard error and an exit status (1: the work failed, 2: bad usage).

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "onnxkit/core/error.h"
#include "onnxkit/version.h"

// Under AddressSanitizer, LeakSanitizer checks at exit through atexit(), which
// std::_Exit skips; main() asks for the check itself (see there).
#if defined(__SANITIZE_ADDRESS__)
#define ONNXKIT_LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ONNXKIT_LEAK_CHECK 1
#endif
#endif
#ifdef ONNXKIT_LEAK_CHECK
#include <sanitizer/lsan_interface.h>
#endif

namespace onnxkit::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::array<const Command*, 11> commands() {
  return {&inspect_command(), &print_command(), &convert_command(), &example_command(),
          &edit_command(),    &check_command(), &infer_command(),   &run_command(),
          &bench_command(),   &view_command(),  &diff_command()};
}

const Command* find_command(std::string_view name) {
  for (const Command* c : commands()) {
    if (c->name == name) return c;
  }
  return nullptr;
}

std::string main_usage() {
  std::string out =
      "usage: onnxkit <command> [options]\n"
      "\n"
      "A toolkit for ONNX models.\n"
      "\n"
      "Commands:\n";
  std::size_t width = 4;  // "help"
  for (const Command* c : commands()) width = std::max(width, c->name.size());
  auto row = [&](std::string_view name, std::string_view summary) {
    out.append("  ").append(name).append(width - name.size() + 3, ' ').append(summary) += '\n';
  };
  for (const Command* c : commands()) row(c->name, c->summary);
  row("help", "Show help for a command");
  out +=
      "\n"
      "Options:\n"
      "  -h, --help  Show this help\n"
      "  --version   Show the version\n"
      "\n"
      "Run 'onnxkit help <command>' for a command's arguments and options.\n";
  return out;
}

std::string command_help(const Command& c) {
  // Built by appending: GCC 12 at -O3 warns falsely (-Wrestrict) on `"literal" + std::string`.
  std::string out("usage: onnxkit ");
  out.append(c.name).append(" ").append(c.arguments).append("\n\n");
  out.append(c.summary).append(".\n");
  if (!c.description.empty()) out.append("\n").append(c.description).append("\n");
  out.append("\nOptions:\n").append(format_options(c.options));
  return out;
}

UsageError unknown_command(std::string_view name) {
  return UsageError("unknown command '" + std::string(name) + "'; see 'onnxkit --help'");
}

/// One line, whatever the message holds.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

void report(std::string_view message) {
  std::cerr << "onnxkit: error: " << one_line(std::string(message)) << std::endl;
}

int run_command(const Command& command, std::span<const std::string> words) {
  const ParsedArgs args = parse_args(words, command.options, command.name);
  if (args.has("help")) {
    std::cout << command_help(command);
    return 0;
  }
  const std::size_t n = args.positionals.size();
  if (n < command.min_positionals || n > command.max_positionals) {
    throw UsageError(
        std::string(n < command.min_positionals ? "missing arguments" : "too many arguments") +
        "; usage: onnxkit " + std::string(command.name) + " " + std::string(command.arguments));
  }
  return command.run(args);
}

int dispatch(const std::vector<std::string>& words) {
  if (words.empty()) {
    std::cerr << main_usage();
    return kExitUsage;
  }
  const std::string& first = words[0];
  const std::span<const std::string> rest(words.begin() + 1, words.end());
  if (first == "-h" || first == "--help") {
    std::cout << main_usage();
    return 0;
  }
  if (first == "--version" || first == "-V") {
    std::cout << "onnxkit " << kVersion << "\n";
    return 0;
  }
  if (first == "help") {
    if (rest.empty()) {
      std::cout << main_usage();
      return 0;
    }
    if (rest.size() > 1) throw UsageError("usage: onnxkit help <command>");
    const Command* c = find_command(rest[0]);
    if (c == nullptr) throw unknown_command(rest[0]);
    std::cout << command_help(*c);
    return 0;
  }
  if (first.starts_with("-")) {
    throw UsageError("unknown option '" + first + "'; see 'onnxkit --help'");
  }
  const Command* c = find_command(first);
  if (c == nullptr) throw unknown_command(first);
  return run_command(*c, rest);
}

}  // namespace

void keep_until_exit(std::shared_ptr<const void> object) {
  // Never destroyed: reachable from here to the end, so leak checkers do not report it.
  static auto* kept = new std::vector<std::shared_ptr<const void>>();
  kept->push_back(std::move(object));
}

int main_entry(int argc, char** argv) {
  try {
    const std::vector<std::string> words(argv + std::min(argc, 1), argv + argc);
    const int status = dispatch(words);
    std::cout.flush();
    if (!std::cout) {
      report("cannot write to standard output");
      return kExitFailure;
    }
    return status;
  } catch (const UsageError& e) {
    report(e.what());
    return kExitUsage;
  } catch (const Error& e) {
    report(e.location().empty() ? e.message() : e.location() + ": " + e.message());
    return kExitFailure;
  } catch (const std::bad_alloc&) {
    report("out of memory");
    return kExitFailure;
  } catch (const std::exception& e) {
    report(e.what());
    return kExitFailure;
  } catch (...) {
    report("unexpected failure");
    return kExitFailure;
  }
}

}  // namespace onnxkit::cli

int main(int argc, char** argv) {
  // The huge-page heap starts in load_model, once the model's size says it pays.
  const int status = onnxkit::cli::main_entry(argc, argv);
  // Nothing is left to do but free memory: flush the streams and exit without
  // running destructors (of objects given to keep_until_exit, and of statics
  // such as the schema registry), which for a large model costs more than the
  // rest of a quick command. Every file was written and closed by now.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
#ifdef ONNXKIT_LEAK_CHECK
  // The end-of-process leak check, which _Exit would skip: exits with
  // LeakSanitizer's status when memory leaked (objects still reachable from
  // statics or keep_until_exit are not leaks).
  __lsan_do_leak_check();
#endif
  std::_Exit(status);
}
