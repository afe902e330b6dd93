// Public door of the config layer.
export { type Config, ConfigError, envSchema, loadConfig, loadConfigOrExit } from "./env.ts";
