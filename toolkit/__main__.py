from toolkit.shells.cli import main

raise SystemExit(main())
