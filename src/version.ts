import manifest from '../package.json' with { type: 'json' }

/** The release, from package.json; the bundler inlines it into the binary. */
export const VERSION: string = manifest.version
