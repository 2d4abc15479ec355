/**
 * Resource quantities that are not Kubernetes quantities (with a request and a limit set), and
 * zero sizes.
 */
import { one, many, at, pg, harbor, app, type Row } from "./rows";

export const QUANTITY_ROWS: Row[] = [
    [
        "memory 16gb with a limit",
        "infra",
        (s) => (at(pg(s), "resources", "requests").memory = "16gb"),
        one(
            '<file>:12:9: platform:postgres.resources.requests.memory = "16gb": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
        ),
    ],
    [
        'cpu "4 cores" as a limit',
        "infra",
        (s) => (at(pg(s), "resources", "limits").cpu = "4 cores"),
        one(
            '<file>:14:9: platform:postgres.resources.limits.cpu = "4 cores": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
        ),
    ],
    [
        "memory 2GB on Dragonfly",
        "infra",
        (s) => (at(s, "platform:dragonfly", "resources", "limits").memory = "2GB"),
        one(
            '<file>:54:9: platform:dragonfly.resources.limits.memory = "2GB": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
        ),
    ],
    [
        "cpu 250mi on a co-located cluster",
        "apps",
        (s) => (at(app(s, 1), "postgres", "resources", "requests").cpu = "250mi"),
        one(
            '<file>:21:13: platform:applications[1] (web).postgres.resources.requests.cpu = "250mi": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
        ),
    ],
    [
        "both request and limit malformed",
        "infra",
        (s) => {
            at(pg(s), "resources", "requests").cpu = "1 core";
            at(pg(s), "resources", "limits").cpu = "2 cores";
        },
        many(
            '<file>:11:9: platform:postgres.resources.requests.cpu = "1 core": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
            '<file>:14:9: platform:postgres.resources.limits.cpu = "2 cores": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
        ),
    ],
    [
        "a quantity as a YAML number",
        "infra",
        (s) => (at(pg(s), "resources", "limits").memory = 4),
        one(
            '<file>:15:9: platform:postgres.resources.limits.memory = 4: must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
        ),
    ],
    [
        "request above limit",
        "infra",
        (s) => (at(pg(s), "resources", "requests").memory = "8Gi"),
        one(
            '<file>:12:9: platform:postgres.resources.requests.memory = "8Gi": must not exceed limits.memory (4Gi)',
        ),
    ],
    // Zero sizes.
    [
        'storage.size "0"',
        "infra",
        (s) => (at(pg(s), "storage").size = "0"),
        one('<file>:8:7: platform:postgres.storage.size = "0": must be greater than zero'),
    ],
    [
        "storage.size 0Gi",
        "infra",
        (s) => (at(pg(s), "storage").size = "0Gi"),
        one('<file>:8:7: platform:postgres.storage.size = "0Gi": must be greater than zero'),
    ],
    [
        "walStorage.size 0Mi",
        "infra",
        (s) => (pg(s).walStorage = { size: "0Mi" }),
        one('<file>:24:7: platform:postgres.walStorage.size = "0Mi": must be greater than zero'),
    ],
    [
        'memory request "0"',
        "infra",
        (s) => (at(pg(s), "resources", "requests").memory = "0"),
        one(
            '<file>:12:9: platform:postgres.resources.requests.memory = "0": must be greater than zero',
        ),
    ],
    [
        'memory limit "0"',
        "infra",
        (s) => (at(pg(s), "resources", "limits").memory = "0"),
        one(
            '<file>:15:9: platform:postgres.resources.limits.memory = "0": must be greater than zero',
        ),
    ],
    [
        "co-located storage 0Gi",
        "apps",
        (s) => (at(app(s, 1), "postgres", "storage").size = "0Gi"),
        one(
            '<file>:18:11: platform:applications[1] (web).postgres.storage.size = "0Gi": must be greater than zero',
        ),
    ],
    [
        "Harbor filesystem size 0",
        "infra",
        (s) => (at(harbor(s), "storage", "filesystem").size = "0"),
        one(
            '<file>:64:9: platform:harbor.storage.filesystem.size = "0": must be greater than zero',
        ),
    ],
    [
        "Dragonfly maxMemory 0Mi",
        "infra",
        (s) => (at(s, "platform:dragonfly").maxMemory = "0Mi"),
        one('<file>:55:5: platform:dragonfly.maxMemory = "0Mi": must be greater than zero'),
    ],
];
