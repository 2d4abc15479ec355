/**
 * CIDRs: octets and prefixes out of range, and the superuser endpoint opened to everyone or to no
 * one.
 */
import { one, at, pg, type Row } from "./rows";

export const CIDR_ROWS: Row[] = [
    [
        "an octet over 255",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["10.25.11.300/24"]),
        one(
            '<file>:20:11: platform:postgres.adminService.sourceRanges[0] = "10.25.11.300/24": must be a CIDR such as "10.25.11.0/24" (IPv4 octets 0-255, prefix 0-32) or "fd00::/64"',
        ),
    ],
    [
        "a prefix over 32",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["10.25.11.0/33"]),
        one(
            '<file>:20:11: platform:postgres.adminService.sourceRanges[0] = "10.25.11.0/33": must be a CIDR such as "10.25.11.0/24" (IPv4 octets 0-255, prefix 0-32) or "fd00::/64"',
        ),
    ],
    [
        "no prefix",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["10.25.11.0"]),
        one(
            '<file>:20:11: platform:postgres.adminService.sourceRanges[0] = "10.25.11.0": must be a CIDR such as "10.25.11.0/24" (IPv4 octets 0-255, prefix 0-32) or "fd00::/64"',
        ),
    ],
    [
        "0.0.0.0/0 on the superuser endpoint",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["10.25.11.0/24", "0.0.0.0/0"]),
        one(
            '<file>:21:11: platform:postgres.adminService.sourceRanges[1] = "0.0.0.0/0": matches every address, which opens the superuser endpoint to everyone; list the networks that need it',
        ),
    ],
    [
        "::/0 on the superuser endpoint",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["::/0"]),
        one(
            '<file>:20:11: platform:postgres.adminService.sourceRanges[0] = "::/0": matches every address, which opens the superuser endpoint to everyone; list the networks that need it',
        ),
    ],
    [
        "an IPv6 prefix over 128",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["fd00::/129"]),
        one(
            '<file>:20:11: platform:postgres.adminService.sourceRanges[0] = "fd00::/129": must be a CIDR such as "10.25.11.0/24" (IPv4 octets 0-255, prefix 0-32) or "fd00::/64"',
        ),
    ],
    [
        "no ranges with the endpoint enabled",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = []),
        one(
            "<file>:19:7: platform:postgres.adminService.sourceRanges = []: must list the CIDRs allowed to reach PostgreSQL when adminService.enabled is true (a LoadBalancer open to every address is refused)",
        ),
    ],
];
