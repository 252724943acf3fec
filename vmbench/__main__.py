from vmbench.cli import main

raise SystemExit(main())
