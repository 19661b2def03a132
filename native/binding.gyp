{
  "targets": [
    {
      "target_name": "nettle_es384",
      "sources": ["nettle_es384.c", "es384_sign.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "libraries": ["-lhogweed", "-lnettle", "-lgmp"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "OTHER_CFLAGS": ["-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
          },
          "include_dirs": ["<!@(pkg-config --cflags-only-I hogweed nettle gmp 2>/dev/null | sed s/-I//g)"],
          "libraries": ["<!@(pkg-config --libs-only-L hogweed nettle gmp 2>/dev/null)"]
        }]
      ]
    }
  ]
}
