// The bundler takes CSS imports into the style sheet it emits beside the script.
declare module '*.css'
