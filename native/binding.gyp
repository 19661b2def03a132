{
  "targets": [
    {
      "target_name": "nettle_es384",
      "sources": ["nettle_es384.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "libraries": ["-lhogweed", "-lnettle", "-lgmp"],
      "conditions": [
        ["OS=='mac'", {
          "include_dirs": ["<!@(pkg-config --cflags-only-I hogweed 2>/dev/null | sed s/-I//g)"],
          "libraries": ["<!@(pkg-config --libs-only-L hogweed 2>/dev/null)"]
        }]
      ]
    }
  ]
}
