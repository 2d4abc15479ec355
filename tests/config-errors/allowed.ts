/** What stays allowed: each of these must be accepted (the expected error is ""). */
import { at, pg, type Row } from "./rows";

export const ALLOWED_ROWS: Row[] = [
    [
        "a kubeconfig path in plain text is fine",
        "infra",
        (s) => (s["platform:kubeconfig"] = "/home/users/ops/.kube/infra"),
        "",
    ],
    [
        "a kubeconfig set with --secret is fine",
        "infra",
        (s) => (s["platform:kubeconfig"] = { secure: "v1:abc" }),
        "",
    ],
    [
        "a 1Password token set with --secret is fine",
        "infra",
        (s) => (s["onepassword:token"] = { secure: "v1:abc" }),
        "",
    ],
    [
        "onepassword:url in plain text is fine",
        "apps",
        (s) => (s["onepassword:url"] = "http://op-connect:8080"),
        "",
    ],
    [
        "an IPv6 range is fine",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["fd00:10:25::/64"]),
        "",
    ],
    [
        "apiUrl with /api/v2.0 is fine",
        "infra",
        (s) => (at(s, "platform:harborProjects").apiUrl = "https://harbor.example.org/api/v2.0"),
        "",
    ],
];
