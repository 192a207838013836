#pragma once
#include <string_view>

#include <nlohmann/json.hpp>

#include "cfmon/result.hpp"

namespace cfmon {
// The whole result tree as one JSON document (exit code = overall state), indented by 2:
//   {"label", "name", "state", "state_text", "reason", "message",
//    "perfdata": [{"label","value","uom","warn","crit","min","max"}], "tags": {}, "fields": {},
//    "children": [<same node shape without "label">]}
// perfdata, tags and fields are what perfdata_of, tags_of and fields_of derive.
// Missing or non-finite numbers and missing ranges are null; invalid UTF-8 becomes U+FFFD.
FormattedOutput format_json(const Report& report);

// The keys every JSON form of one result starts with: "name", "state" (0-3),
// "state_text", the reason under `reason_key` ("reason" here, "result" in Zabbix's
// objects) and "message".
nlohmann::ordered_json result_head(const Result& r, std::string_view reason_key);
}  // namespace cfmon
