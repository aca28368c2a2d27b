//! `jikimi scan` on working trees: causes, risks, checklist, formats, exit
//! codes and bad input.

use crate::common::*;

#[test]
fn clean_tree_exits_zero() {
    let env = Env::new();
    env.write(
        "src/main.py",
        "import os\nkey = os.getenv('OPENAI_API_KEY')\n",
    );
    let (code, v) = env.scan_json(&[]);
    assert_eq!(code, 0, "{v}");
    assert!(findings(&v).is_empty());
}
