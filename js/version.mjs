// The package version, in one place (the factories' Server/User-Agent default, the status page).
export const VERSION = '0.1.0';
