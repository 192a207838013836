#include "daemon_support.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace cfmon::testing {

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && (std::strcmp(ci, "true") == 0 || std::strcmp(ci, "1") == 0);
}

std::optional<std::string> missing_tool(const std::string& path, const std::string& package) {
  if (::access(path.c_str(), X_OK) == 0) return std::nullopt;
  return path + " is missing (Debian package " + package + ", installed by cmake/install-debian-deps.sh)";
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit, std::chrono::milliseconds pace) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(pace);
  }
}

std::map<std::string, std::string> debian_unit_environment() {
  return {{"LANG", "C.UTF-8"}};
}

std::vector<std::string> cache_entries(const std::string& dir) {
  std::vector<std::string> entries;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".json") entries.push_back(e.path().filename().string());
  }
  return entries;
}

Daemon::Daemon(const std::vector<std::string>& argv, const std::string& log_file,
               const std::map<std::string, std::string>& env) {
  std::vector<std::string> args = argv;
  std::vector<char*> argv_c;
  for (auto& a : args) argv_c.push_back(a.data());
  argv_c.push_back(nullptr);

  std::vector<std::string> env_strings;
  if (env.empty()) {
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  } else {
    env_strings = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  }
  std::vector<char*> env_c;
  for (auto& e : env_strings) env_c.push_back(e.data());
  env_c.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own session: the whole daemon (forked workers included) is one process group
  // whose id is the PID we hold, so stop() reaches every process it started.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  const int rc = posix_spawn(&pid_, argv_c[0], &actions, &attr, argv_c.data(), env_c.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv.front() + ": " + std::strerror(rc));
  }
}

Daemon::~Daemon() {
  stop();
}

bool Daemon::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    ::kill(-pid_, SIGKILL);  // workers it may have left
    pid_ = -1;
    return false;
  }
  return true;
}

void Daemon::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  const bool exited =
      wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, grace, std::chrono::milliseconds(20));
  // Whatever the group still holds goes too: nothing may outlive the test.
  ::kill(-pid_, SIGKILL);
  if (!exited) ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void spit(const std::string& path, const std::string& text, unsigned mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
  }
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

void copy_with_paths(const std::string& from, const std::string& to, const std::map<std::string, std::string>& paths) {
  std::string text = slurp(from);
  if (text.empty()) throw std::runtime_error("cannot read " + from);
  for (const auto& [k, v] : paths) text = replace_all(text, k, v);
  spit(to, text);
}

std::string md5_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr);
  static const char* const hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

namespace {

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

}  // namespace

HttpAnswer http(const HttpCall& call) {
  HttpAnswer answer;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw std::runtime_error("curl_easy_init");
  curl_slist* headers = nullptr;
  for (const auto& h : call.headers) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  if (call.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(call.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(call.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  if (!call.user_password.empty()) curl_easy_setopt(curl, CURLOPT_USERPWD, call.user_password.c_str());
  if (!call.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, call.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);  // a test certificate for 127.0.0.1
  }
  const CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  } else {
    answer.error = curl_easy_strerror(rc);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return answer;
}

std::string current_user() {
  const passwd* pw = ::getpwuid(::geteuid());
  return pw != nullptr ? pw->pw_name : std::to_string(::geteuid());
}

std::string current_group() {
  const group* gr = ::getgrgid(::getegid());
  return gr != nullptr ? gr->gr_name : std::to_string(::getegid());
}

std::optional<DaemonAccount> daemon_account(const std::string& user) {
  if (::geteuid() != 0) return std::nullopt;
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) return std::nullopt;
  return DaemonAccount{user, pw->pw_uid, pw->pw_gid};
}

void give_tree_to(const std::string& dir, const std::optional<DaemonAccount>& account) {
  if (!account) return;
  const auto give = [&](const std::filesystem::path& p) {
    if (::lchown(p.c_str(), account->uid, account->gid) != 0) {
      throw std::runtime_error("cannot give " + p.string() + " to " + account->user + ": " + std::strerror(errno));
    }
  };
  give(dir);
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) give(e.path());
}

std::string reachable_copy(const std::optional<DaemonAccount>& account, const std::string& path,
                           const std::string& dir) {
  if (!account) return path;
  namespace fs = std::filesystem;
  const std::string target = dir + "/" + fs::path(path).filename().string();
  fs::create_directories(dir);
  if (!fs::is_directory(path)) {
    fs::copy_file(path, target, fs::copy_options::overwrite_existing);  // its mode too: checks stay executable
    return target;
  }
  fs::create_directories(target);
  for (const auto& e : fs::directory_iterator(path)) {
    fs::copy_file(e.path(), target + "/" + e.path().filename().string(), fs::copy_options::overwrite_existing);
  }
  return target;
}

long process_uid(pid_t pid) {
  std::istringstream status(slurp("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Uid:", 0) == 0) return std::stol(line.substr(4));
  }
  return -1;
}

std::vector<std::string> as_account(const std::optional<DaemonAccount>& account, std::vector<std::string> argv) {
  if (!account) return argv;
  argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", account->user, "--"});
  return argv;
}

std::string source_dir() {
  return CFMON_SOURCE_DIR;
}

}  // namespace cfmon::testing
