/**
 * The pins a stack's config holds, read once for the render's support status and the checks
 * that compare them with the versions table (./table.ts, ./support.ts).
 */
import type { CnpgConfig } from "../cnpg/config";
import { pgImage, supportStatus, type Support } from "./support";
import type { ComponentId } from "./table";

export interface Pin {
    id: ComponentId;
    /** The config key, with the stack's `platform:` left out (`harbor.chart.version`). */
    key: string;
    /** Chart version, or PostgreSQL image tag. */
    version: string;
}

/** The parts of a stack's config that hold pins (the areas' own config types). */
export interface PinnedConfig {
    cnpg: CnpgConfig;
    postgres?: { imageName: string };
    applications: readonly { postgres?: { imageName: string } }[];
    dragonfly?:
        { mode: "managed"; operator: { chart: { version: string } } } | { mode: "external" };
    harbor?: { chart: { version: string } };
}

/** Every pin the stack's config installs. */
export function pinsOf(cfg: PinnedConfig): Pin[] {
    const pins: Pin[] = [
        { id: "cnpg", key: "cnpg.chart.version", version: cfg.cnpg.chart.version },
    ];
    if (cfg.cnpg.barmanCloudPlugin.enabled) {
        pins.push({
            id: "barmanCloudPlugin",
            key: "cnpg.barmanCloudPlugin.chart.version",
            version: cfg.cnpg.barmanCloudPlugin.chart.version,
        });
    }
    const tagOf = (image: string) => pgImage(image)?.tag ?? image;
    if (cfg.postgres) {
        pins.push({
            id: "postgres",
            key: "postgres.imageName",
            version: tagOf(cfg.postgres.imageName),
        });
    }
    cfg.applications.forEach((app, i) => {
        if (app.postgres) {
            pins.push({
                id: "postgres",
                key: `applications[${i}].postgres.imageName`,
                version: tagOf(app.postgres.imageName),
            });
        }
    });
    if (cfg.dragonfly?.mode === "managed") {
        pins.push({
            id: "dragonflyOperator",
            key: "dragonfly.operator.chart.version",
            version: cfg.dragonfly.operator.chart.version,
        });
    }
    if (cfg.harbor)
        pins.push({ id: "harbor", key: "harbor.chart.version", version: cfg.harbor.chart.version });
    return pins;
}

/** The render's lines: one per pin, its support status on `today`. */
export function supportNotes(cfg: PinnedConfig, today: Date): string[] {
    return pinsOf(cfg).map((p) => {
        const s: Support = supportStatus(p.id, p.version, today);
        const mark = s.level === "pastEndOfLife" ? "✗" : s.level === "supported" ? "✓" : "!";
        return `version ${mark} ${p.key}: ${s.text}`;
    });
}
