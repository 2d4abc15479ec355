// ESLint flat config: typed strict rules plus Pulumi's rules (no Outputs in template literals).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", "render/**", "eslint.config.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.strictTypeChecked,
    {
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-explicit-any": "error",
            "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
            "no-console": "error",
        },
    },
    {
        files: ["tests/**/*.ts"],
        // Tests dig into untyped registration inputs; strictness there buys nothing.
        rules: {
            "@typescript-eslint/no-non-null-assertion": "off",
            "@typescript-eslint/no-unused-expressions": "off",
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-return": "off",
            "@typescript-eslint/no-unnecessary-condition": "off",
            "@typescript-eslint/no-confusing-void-expression": "off",
        },
    },
    {
        files: ["scripts/**/*.ts"],
        rules: { "no-console": "off" },
    },
    {
        // Each area owns its config (components/<area>/config.ts): an area never imports the
        // assembly in components/config.ts, whose imports of the areas would close a cycle.
        files: ["components/*/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    paths: [
                        {
                            name: "../config",
                            message:
                                "components/config.ts assembles the areas; import the area's own config module, ../problems or ../schema instead",
                        },
                    ],
                },
            ],
        },
    },
    {
        // The shared building blocks sit at the bottom: they import no area.
        files: ["components/problems.ts", "components/schema.ts", "components/quantity.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        {
                            group: ["./*/**", "./config", "./providers", "./onepassword"],
                            message: "the config building blocks import no area",
                        },
                    ],
                },
            ],
        },
    },
    {
        // No source file (tests and scripts included) longer than 600 lines, blank lines and
        // comments counted.
        files: ["**/*.ts"],
        rules: { "max-lines": ["error", 600] },
    },
);
