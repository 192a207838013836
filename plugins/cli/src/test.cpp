// cf-service-token test: probes Access-protected apps with a service token.
#include <boost/program_options.hpp>

#include "session.hpp"

namespace po = boost::program_options;

namespace cfmon::cli {
namespace {

void add_options(po::options_description& group, Options& o) {
  // clang-format off
  group.add_options()
    ("client-id", po::value<std::string>()->value_name("ID"), "service token client ID")
    ("client-secret-file", po::value<std::string>()->value_name("FILE"), "file holding only the client secret")
    ("env-suffix", po::value(&o.access.env_suffix)->value_name("S"),
       "read CF_SERVICE_TOKEN_CLIENT_ID_<S> etc. (e.g. NEW)")
    ("token-header", po::value(&o.access.token_header)->value_name("NAME"),
       "send the token as one JSON header NAME instead of the two CF-Access-Client-* headers")
    ("expect-protected", po::bool_switch(&o.access.expect_protected),
       "also probe without a token: fail unless Access blocks it")
    ("max-redirects", po::value(&o.access.max_redirects)->default_value(access::kDefaultMaxRedirects)->value_name("N"),
       "follow at most N redirects inside each URL's origin, token re-sent; never to another origin")
    ("allow-insecure-http", po::bool_switch(&o.access.allow_insecure_http),
       "allow http:// URLs (the secret crosses the network unencrypted)");
  // clang-format on
}

struct Test final : Session {
  using Session::Session;

  int run() {
    if (o_.positional.empty()) return fail(kExitUsage, "which apps? give one or more URLs");
    if (!valid_urls(o_.positional, "URL")) return exit_code_;
    access::AccessOptions options = o_.access;
    options.urls = o_.positional;
    auto report = probe(options, o_.common, ctx_.env);
    if (!report) return fail(kExitUsage, report.error().message);
    return print_probe_report(*report) ? kExitOk : kExitFailed;
  }
};

}  // namespace

const CommandCode kTest = {add_options, run_command<Test>};

}  // namespace cfmon::cli
